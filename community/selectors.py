"""Reads of the coverage and community records, always cut to the acting user's scope.

Every list is one query (the user's scope is read once per request and cached on the user). Figures are
computed from the records here, never typed in: coverage rates, the rule flag, the visit resolution rate.
"""

from decimal import Decimal

from django.db.models import (
    BooleanField,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Concat, ExtractYear, StrIndex, Substr

from accounts.scopes import resolve_scope
from grids.models import Level, OrgNode

from .models import (
    OWN_ORGANIZATION_THRESHOLD,
    Coverage,
    DuesRefund,
    Instructor,
    JointMeeting,
    OrgKind,
    Pairing,
    RedHome,
    RefundStatus,
    ResidentIssue,
    ResidentUnit,
    ServiceStation,
    StarRating,
    TwoNewOrg,
    VillageVisit,
    VisitOutcome,
    WeakOrgFlag,
)

#: Q on TwoNewOrg: the "3 or more members must form their own organization" rule is broken.
RULE_BROKEN = Q(party_members__gte=OWN_ORGANIZATION_THRESHOLD) & ~Q(coverage=Coverage.OWN)
COVERED = ~Q(coverage=Coverage.NONE)


def _scoped(model, user, write=False):
    return model.objects.filter(resolve_scope(user).nodes_q(write=write, prefix="node__"))


def record_list(model, *, user, write=False):
    """The records of `model` that `user` may see (or change), with their organization joined in."""
    return _scoped(model, user, write).select_related("node")


def instructor_list(*, user, write=False):
    return record_list(Instructor, user=user, write=write).annotate(
        organizations_count=Coalesce(
            Subquery(
                TwoNewOrg.objects.filter(instructor=OuterRef("pk")).order_by().values("instructor")
                .annotate(n=Count("pk")).values("n")
            ),
            0,
        )
    )


def two_new_org_list(*, user, write=False):
    """Two-new organizations with `rule_broken`: 3+ party members and no organization of their own."""
    return record_list(TwoNewOrg, user=user, write=write).select_related("instructor").annotate(
        rule_broken=ExpressionWrapper(RULE_BROKEN, output_field=BooleanField())
    )


def two_new_org_rule_broken(*, user):
    """The organizations that must form their own party organization and have not yet."""
    return two_new_org_list(user=user).filter(RULE_BROKEN)


def station_list(*, user, write=False):
    return record_list(ServiceStation, user=user, write=write).select_related("host")


def red_home_list(*, user, write=False):
    return record_list(RedHome, user=user, write=write)


def unit_list(*, user, write=False):
    return record_list(ResidentUnit, user=user, write=write)


def pairing_list(*, user, write=False):
    return record_list(Pairing, user=user, write=write).select_related("unit")


def meeting_list(*, user, write=False):
    return record_list(JointMeeting, user=user, write=write)


def issue_list(*, user, write=False):
    return record_list(ResidentIssue, user=user, write=write)


def visit_list(*, user, write=False):
    return record_list(VillageVisit, user=user, write=write)


def rating_list(*, user, write=False):
    return record_list(StarRating, user=user, write=write).select_related("rated_by")


def weak_flag_list(*, user, write=False):
    return record_list(WeakOrgFlag, user=user, write=write)


# --- figures ------------------------------------------------------------------------------------


def rate(part, whole):
    """A percentage with one decimal, or None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


def coverage_totals(queryset):
    """{kind: {"total", "covered", "own", "joint", "instructor", "rule_broken", "rate"}} over a TwoNewOrg queryset."""
    rows = queryset.order_by().values("kind").annotate(
        total=Count("pk"),
        covered=Count("pk", filter=COVERED),
        own=Count("pk", filter=Q(coverage=Coverage.OWN)),
        joint=Count("pk", filter=Q(coverage=Coverage.JOINT)),
        by_instructor=Count("pk", filter=Q(coverage=Coverage.INSTRUCTOR)),
        rule_broken=Count("pk", filter=RULE_BROKEN),
        party_members=Coalesce(Sum("party_members"), 0),
    )
    result = {}
    for kind in OrgKind.values:
        row = next((r for r in rows if r["kind"] == kind), None) or {
            "total": 0, "covered": 0, "own": 0, "joint": 0, "by_instructor": 0, "rule_broken": 0, "party_members": 0
        }
        row = {k: v for k, v in row.items() if k != "kind"}
        row["rate"] = rate(row["covered"], row["total"])
        result[kind] = row
    return result


def coverage_rates(*, user):
    """Coverage of non-public enterprises and social organizations over the user's whole scope (one query)."""
    return coverage_totals(_scoped(TwoNewOrg, user))


def scope_units(*, user=None, scope=None):
    """The organizations one level below the top of a scope: streets for the district, the communities
    of a street for its secretary, the grids of a community for theirs."""
    scope = scope or resolve_scope(user)
    if scope.read_all:
        return OrgNode.objects.filter(level=Level.STREET)
    if not scope.read_paths:
        return OrgNode.objects.none()
    return OrgNode.objects.filter(parent__path__in=scope.read_paths)


def _unit_path(root):
    """The path of the unit (the node one level below `root`) that a record's node lies in, as an expression:
    `root` followed by the next code of the node's path. Records hanging off the root itself are left out."""
    rest = Substr("node__path", len(root) + 1)
    return Concat(Value(root), Substr(rest, 1, StrIndex(rest, Value("/"))), output_field=CharField())


def coverage_by_unit(*, user=None, scope=None):
    """Coverage rates per street (district staff) or per community (a street secretary).

    Two queries whatever the size: the units, and one pass over the organizations grouped by the unit their
    organization lies in (a prefix of its materialised path). Each row: the unit's code and name, and per
    kind the number of organizations and of covered ones.
    """
    scope = scope or resolve_scope(user)
    units = list(scope_units(scope=scope).order_by("path").values("code", "name", "path"))
    roots = ["/"] if scope.read_all else list(scope.read_paths)
    counts = {}
    for root in roots:
        rows = (
            TwoNewOrg.objects.filter(node__path__startswith=root).exclude(node__path=root).order_by()
            .annotate(unit=_unit_path(root)).values("unit")
            .annotate(
                enterprises=Count("pk", filter=Q(kind=OrgKind.ENTERPRISE)),
                enterprises_covered=Count("pk", filter=Q(kind=OrgKind.ENTERPRISE) & COVERED),
                social=Count("pk", filter=Q(kind=OrgKind.SOCIAL)),
                social_covered=Count("pk", filter=Q(kind=OrgKind.SOCIAL) & COVERED),
            )
        )
        counts.update({row.pop("unit"): row for row in rows})
    empty = {"enterprises": 0, "enterprises_covered": 0, "social": 0, "social_covered": 0}
    result = []
    for unit in units:
        row = {"code": unit["code"], "name": unit["name"], **counts.get(unit["path"], empty)}
        row["enterprise_rate"] = rate(row["enterprises_covered"], row["enterprises"])
        row["social_rate"] = rate(row["social_covered"], row["social"])
        result.append(row)
    return result


def _visit_counts():
    return {
        "received": Count("pk"),
        "solved": Count("pk", filter=Q(outcome=VisitOutcome.SOLVED)),
        "transferred": Count("pk", filter=Q(outcome=VisitOutcome.TRANSFERRED)),
        "completed": Count("pk", filter=Q(completed_on__isnull=False)),
    }


def visit_summary(queryset):
    """Visits received, solved on the spot, registered and transferred, completed, and the resolution rate
    (completed / transferred) over a VillageVisit queryset: one query."""
    row = queryset.order_by().aggregate(**_visit_counts())
    row["resolution_rate"] = rate(row["completed"], row["transferred"])
    return row


def visit_counts_by_year(queryset):
    """The counts of `visit_summary` per year of the visit, over a VillageVisit queryset: one query, rows of
    {"year", "received", "solved", "transferred", "completed"}."""
    return list(queryset.order_by().annotate(year=ExtractYear("visited_on")).values("year")
                .annotate(**_visit_counts()))


def current_ratings(*, user):
    """Building groups in scope with their latest star rating (`stars`, None if never rated): one query."""
    latest = StarRating.objects.filter(node=OuterRef("pk")).order_by("-rated_on").values("stars")[:1]
    return OrgNode.objects.filter(resolve_scope(user).nodes_q(), level=Level.BUILDING_GROUP).annotate(
        stars=Subquery(latest)
    )


def dues_refund_list(*, user, write=False):
    """The dues refunds of the two-new organizations in the user's scope (or those they may change), with the
    organization, its node and the people of each step joined in: one query."""
    return DuesRefund.objects.filter(resolve_scope(user).nodes_q(write=write, prefix="org__node__")).select_related(
        "org__node", "proposed_by", "reviewed_by", "paid_by"
    )


def _refund_sums(prefix=""):
    money = DecimalField(max_digits=14, decimal_places=2)
    zero = Value(Decimal("0.00"), output_field=money)
    return {
        f"{prefix}paid": Count("pk", filter=Q(status=RefundStatus.PAID)),
        f"{prefix}paid_amount": Coalesce(Sum("amount", filter=Q(status=RefundStatus.PAID)), zero, output_field=money),
        f"{prefix}pending": Count("pk", filter=Q(status__in=[RefundStatus.PROPOSED, RefundStatus.APPROVED])),
        f"{prefix}pending_amount": Coalesce(
            Sum("amount", filter=Q(status__in=[RefundStatus.PROPOSED, RefundStatus.APPROVED])), zero,
            output_field=money),
    }


def dues_refund_year_totals(queryset):
    """Per year, over an already scoped DuesRefund queryset: refunds paid and their amount, refunds still in the
    workflow (proposed or approved) and theirs. One query; newest year first. Sent-back refunds are not counted."""
    return list(queryset.order_by().values("year").annotate(**_refund_sums()).order_by("-year"))


def dues_refund_totals(*, user, year=None):
    """Yearly refund totals over the user's scope, per street and for the whole scope.

    Returns {"streets": [{"year", "street_code", "street_name", "paid", "paid_amount", "pending",
    "pending_amount"}, ...] (by year, newest first, then street code), "years": [{"year", ...same sums}]}.
    Two queries whatever the number of refunds: the grouped sums, and the names of the streets.
    """
    refunds = dues_refund_list(user=user).order_by()
    if year is not None:
        refunds = refunds.filter(year=year)
    path = "org__node__path"
    street_path = Substr(path, 1, StrIndex(Substr(path, 2), Value("/")) + 1, output_field=CharField())
    rows = list(refunds.annotate(street_path=street_path).values("year", "street_path").annotate(**_refund_sums()))
    streets = dict(
        (p, (code, name)) for p, code, name in OrgNode.objects.filter(
            path__in={r["street_path"] for r in rows}).values_list("path", "code", "name")
    ) if rows else {}
    by_street, by_year = [], {}
    keys = ("paid", "paid_amount", "pending", "pending_amount")
    for row in rows:
        code, name = streets.get(row["street_path"], ("", ""))
        by_street.append({"year": row["year"], "street_code": code, "street_name": name,
                          **{k: row[k] for k in keys}})
        total = by_year.setdefault(row["year"], {"year": row["year"], **{k: 0 for k in keys}})
        for k in keys:
            total[k] += row[k]
    by_street.sort(key=lambda r: (-r["year"], r["street_code"]))
    return {"streets": by_street, "years": [by_year[y] for y in sorted(by_year, reverse=True)]}
