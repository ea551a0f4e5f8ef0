"""The rules member work shares across topics: month arithmetic, the next development step's deadline and the
duty checklist's periods. Selectors, services and jobs read them from here (nothing here reads or writes the
database)."""

import datetime

from dateutil.relativedelta import relativedelta

from core.periods import month_of, quarter_of


def add_months(day, months):
    """`day` moved by `months` (negative: back); the 31st becomes the month's last day where it has fewer."""
    return day + relativedelta(months=months)


# ---------------------------------------------------------------------------------------------------------------
# A member's dates: joining at 18 or older, the probationary year before becoming a full member
# ---------------------------------------------------------------------------------------------------------------

#: No one joins the Party before their 18th birthday (党章 第一条).
JOINING_AGE = 18
#: The probationary period (预备期) lasts a year from joining: no one is made a full member (转正) before it ends.
PROBATION_MONTHS = 12


def adult_on(birth_date):
    """The day a person born on `birth_date` turns JOINING_AGE (29 Feb: 28 Feb)."""
    return add_months(birth_date, 12 * JOINING_AGE)


def earliest_full_member_on(joined_on):
    """The first day a member who joined on `joined_on` may be made a full member (the probationary year over)."""
    return add_months(joined_on, PROBATION_MONTHS)


# ---------------------------------------------------------------------------------------------------------------
# Member development: the 25 steps and the deadline of the next one
# ---------------------------------------------------------------------------------------------------------------


def next_deadline(steps, done):
    """(step, deadline) for a candidate's next step when it has an "at most so many months after" rule, or None.

    `steps` is development_steps(); `done` maps the numbers of the steps recorded to their dates. The next step
    is the first one not recorded; its deadline counts from the date of the step its rule names."""
    upcoming = next((n for n in sorted(steps) if n not in done), None)
    step = steps.get(upcoming)
    if step is None or not step.max_months or step.after_step not in done:
        return None
    return step, add_months(done[step.after_step], step.max_months)


# ---------------------------------------------------------------------------------------------------------------
# The duty checklist's periods: "2026-W14", "2026-04", "2026Q2", "2026H1", "2026"
# ---------------------------------------------------------------------------------------------------------------


def duty_period(frequency, day):
    """The period key an item of `frequency` done on `day` counts for."""
    if frequency == "weekly":
        year, week, _weekday = day.isocalendar()
        return f"{year}-W{week:02d}"
    if frequency == "monthly":
        return month_of(day)
    if frequency == "quarterly":
        return quarter_of(day)
    if frequency == "half_yearly":
        return f"{day.year}H{1 if day.month <= 6 else 2}"
    return str(day.year)


def duty_period_end(period):
    """The last day of a period key."""
    if "-W" in period:
        year, week = period.split("-W")
        return datetime.date.fromisocalendar(int(year), int(week), 7)
    if "Q" in period or "H" in period or "-" in period:
        year = int(period[:4])
        if "Q" in period:
            last_month = int(period[-1]) * 3
        elif "H" in period:
            last_month = int(period[-1]) * 6
        else:
            last_month = int(period[5:7])
        return add_months(datetime.date(year, last_month, 1), 1) - datetime.timedelta(days=1)
    return datetime.date(int(period), 12, 31)
