"""The arithmetic of accountability, in one place: duty-report results, the democratic evaluation, the year-end
score, grades and the three thirds. Pure functions (no queries)."""

from decimal import Decimal

TWO = Decimal("0.01")

#: Democratic evaluation: points of each vote; the result is the average over the ballots counted.
CHOICE_POINTS = {"excellent": Decimal(100), "good": Decimal(80), "fair": Decimal(60), "poor": Decimal(0)}
#: A duty report's result: 70% the review by the level above, 30% the democratic evaluation (when held).
REVIEW_SHARE, DEMOCRATIC_SHARE = Decimal("0.7"), Decimal("0.3")
DUTY_GRADES = ((Decimal(90), "good"), (Decimal(80), "fairly_good"), (Decimal(60), "fair"), (Decimal(0), "poor"))

#: Year-end score: 80% the quarters (average of the ranked quarters less the findings' deduction, as the
#: assessment's year page computes it) and 20% the duty report's result; the quarters alone without a result.
QUARTERS_SHARE, DUTY_SHARE = Decimal("0.8"), Decimal("0.2")
YEAR_GRADES = ((Decimal(90), "excellent"), (Decimal(80), "good"), (Decimal(60), "fair"), (Decimal(0), "poor"))
MAX_ADJUSTMENT = Decimal(20)


def q2(value):
    return None if value is None else Decimal(value).quantize(TWO)


def democratic_score(counts):
    """{choice: n} → the average points (None without a ballot)."""
    total = sum(counts.values())
    if not total:
        return None
    return q2(sum(CHOICE_POINTS[c] * n for c, n in counts.items()) / total)


def duty_result(review, democratic):
    if review is None:
        return None
    if democratic is None:
        return q2(review)
    return q2(REVIEW_SHARE * review + DEMOCRATIC_SHARE * democratic)


def grade(score, grades):
    if score is None:
        return ""
    for floor, code in grades:
        if score >= floor:
            return code
    return grades[-1][1]


def year_score(quarters_net, duty):
    if quarters_net is None:
        return None
    if duty is None:
        return q2(quarters_net)
    return q2(QUARTERS_SHARE * quarters_net + DUTY_SHARE * duty)


def clamp(score):
    return None if score is None else max(Decimal(0), min(Decimal(100), score))


def thirds_problems(counts, total):
    """The three thirds (三个三分之一): with `total` candidates, each of the three sources holds a third, i.e.
    between ⌊total/3⌋ and ⌈total/3⌉ of them. Returns [(source, count, low, high)] of the sources off it."""
    low, high = total // 3, -(-total // 3)
    return [(source, n, low, high) for source, n in counts.items() if not low <= n <= high]
