"""Writes to the coverage and community records. Every function is keyword-only, atomic and scope-checked.

A record hangs off a tree node: the actor must hold write scope on that node (district staff anywhere,
a secretary within their subtree; inspectors write nothing). Moving a record to another node needs
write scope on both.
"""

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import is_district, resolve_scope, writes_above
from core.errors import PermissionDenied, ValidationError
from grids.models import Kind, Level

from .models import (
    ISSUE_STAGES,
    Coverage,
    DuesRefund,
    Instructor,
    IssueStage,
    JointMeeting,
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


def _check_node(actor, node):
    if node is None or not resolve_scope(actor).covers(node, write=True):
        raise PermissionDenied(_("This organization is outside your area."))


def _check_level(model, node):
    levels = model.NODE_LEVELS
    if levels and node.level not in levels:
        names = "、".join(str(Level(level).label) for level in levels)
        raise ValidationError({"node": _("This record belongs to an organization of this level: %(levels)s.")
                               % {"levels": names}})
    if model is VillageVisit and node.kind != Kind.VILLAGE:
        raise ValidationError({"node": _("The visit log is kept by villages.")})


def record_check(*, actor, obj, original_node=None):
    """Raise PermissionDenied or ValidationError unless `actor` may save `obj` as it stands.

    `original_node` is the node the record hung off before this change (moving needs scope on both).
    """
    _check_node(actor, obj.node)
    if original_node is not None and original_node.pk != obj.node_id:
        _check_node(actor, original_node)
    _check_level(type(obj), obj.node)
    scope = resolve_scope(actor)
    for field in ("instructor", "unit", "host"):
        # A related record (an instructor, a unit, a host organization) must be one the actor may see.
        if getattr(obj, f"{field}_id", None) and not scope.covers(getattr(obj, field).node):
            raise ValidationError({field: _("Choose a record of your own area.")})


def record_save(*, actor, obj, original_node=None):
    """Validate and save a record (new or changed) after checking the actor's scope on its node.

    The admin saves every record through here; the named functions below use it too.
    """
    record_check(actor=actor, obj=obj, original_node=original_node)
    obj.full_clean()
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ValidationError(_("This record conflicts with an existing one.")) from exc
    return obj


@transaction.atomic
def record_delete(*, actor, obj):
    _check_node(actor, obj.node)
    obj.delete()


def _create(model, actor, node, fields):
    obj = model(node=node, **fields)
    return record_save(actor=actor, obj=obj)


# --- named operations ---------------------------------------------------------------------------


def instructor_create(*, actor, node, name, appointed_on, phone="", full_time=False):
    return _create(Instructor, actor, node, dict(name=name, appointed_on=appointed_on, phone=phone,
                                                 full_time=full_time))


def two_new_org_create(*, actor, node, kind, name, credit_code, registered_on, party_members=0, employees=0,
                       coverage=Coverage.NONE, instructor=None, address=""):
    return _create(TwoNewOrg, actor, node, dict(
        kind=kind, name=name, credit_code=credit_code, registered_on=registered_on, party_members=party_members,
        employees=employees, coverage=coverage, instructor=instructor, address=address,
    ))


@transaction.atomic
def two_new_org_set_coverage(*, actor, org, coverage, instructor=None):
    """Record how party work now reaches the organization (forming its own organization, joining one...)."""
    org.coverage = coverage
    org.instructor = instructor if instructor is not None else org.instructor
    return record_save(actor=actor, obj=org)


@transaction.atomic
def instructor_assign(*, actor, org, instructor):
    """Assign an instructor to an organization; one without any coverage becomes covered by the instructor."""
    org.instructor = instructor
    if org.coverage == Coverage.NONE:
        org.coverage = Coverage.INSTRUCTOR
    return record_save(actor=actor, obj=org)


def station_create(*, actor, node, kind, name, opened_on, enterprises_covered=0, host=None):
    return _create(ServiceStation, actor, node, dict(kind=kind, name=name, opened_on=opened_on,
                                                     enterprises_covered=enterprises_covered, host=host))


def red_home_create(*, actor, node, name, opened_on, address="", area_m2=0):
    if RedHome.objects.filter(node=node).exists():
        raise ValidationError({"node": _("This street already has its red home.")})
    return _create(RedHome, actor, node, dict(name=name, opened_on=opened_on, address=address, area_m2=area_m2))


def unit_create(*, actor, node, name, party_organization="", contact=""):
    return _create(ResidentUnit, actor, node, dict(name=name, party_organization=party_organization,
                                                   contact=contact))


def pairing_create(*, actor, node, unit, started_on, ended_on=None):
    return _create(Pairing, actor, node, dict(unit=unit, started_on=started_on, ended_on=ended_on))


def meeting_record(*, actor, node, held_on, topic, units_attending=0, problems_raised=0, problems_resolved=0,
                   agreements_signed=0, joint_services=0):
    if problems_resolved > problems_raised:
        raise ValidationError({"problems_resolved": _("More problems resolved than raised.")})
    return _create(JointMeeting, actor, node, dict(
        held_on=held_on, topic=topic, units_attending=units_attending, problems_raised=problems_raised,
        problems_resolved=problems_resolved, agreements_signed=agreements_signed, joint_services=joint_services,
    ))


def issue_create(*, actor, node, title, raised_on, category="other"):
    return _create(ResidentIssue, actor, node, dict(title=title, raised_on=raised_on, category=category,
                                                    stage=IssueStage.SOLICITED))


@transaction.atomic
def issue_advance(*, actor, issue, resolution="", on=None):
    """Move an issue one step along 一征三议两公开; the last step resolves it (its result is published)."""
    issue = ResidentIssue.objects.select_for_update().select_related("node").get(pk=issue.pk)
    _check_node(actor, issue.node)
    index = ISSUE_STAGES.index(issue.stage)
    if issue.stage == IssueStage.RESOLVED:
        raise ValidationError({"stage": _("This issue is already resolved.")})
    issue.stage = ISSUE_STAGES[index + 1]
    if issue.stage == IssueStage.RESOLVED:
        if not resolution:
            raise ValidationError({"resolution": _("Describe the resolution before publishing the result.")})
        issue.resolution = resolution
        issue.resolved_on = on or timezone.localdate()
    return record_save(actor=actor, obj=issue)


def visit_record(*, actor, node, visited_on, visitor, matter, outcome):
    return _create(VillageVisit, actor, node, dict(visited_on=visited_on, visitor=visitor, matter=matter,
                                                   outcome=outcome))


@transaction.atomic
def visit_complete(*, actor, visit, on=None):
    """Close a registered and transferred matter."""
    if visit.outcome != VisitOutcome.TRANSFERRED:
        raise ValidationError({"outcome": _("Only a transferred matter is completed later.")})
    visit.completed_on = on or timezone.localdate()
    return record_save(actor=actor, obj=visit)


def rating_record(*, actor, node, stars, rated_on, note=""):
    """Rate a building group; earlier ratings stay as its history."""
    return _create(StarRating, actor, node, dict(stars=stars, rated_on=rated_on, note=note, rated_by=actor))


def weak_flag_open(*, actor, node, flagged_on, reasons, rectification_plan="", first_secretary="", deadline=None):
    if WeakOrgFlag.objects.filter(node=node, closed_on__isnull=True).exists():
        raise ValidationError({"node": _("This organization is already flagged as weak and lax.")})
    return _create(WeakOrgFlag, actor, node, dict(
        flagged_on=flagged_on, reasons=reasons, rectification_plan=rectification_plan,
        first_secretary=first_secretary, deadline=deadline,
    ))


@transaction.atomic
def weak_flag_close(*, actor, flag, closure_note, on=None):
    """Close a flag once the rectification is done (a plan must be on file)."""
    if flag.closed_on is not None:
        raise ValidationError({"closed_on": _("This flag is already closed.")})
    if not flag.rectification_plan:
        raise ValidationError({"rectification_plan": _("A flag closes only with its rectification plan on file.")})
    flag.closed_on = on or timezone.localdate()
    flag.closure_note = closure_note
    return record_save(actor=actor, obj=flag)


# --- party dues refunded to two-new organizations -----------------------------------------------


def _refund_for_update(refund):
    return (DuesRefund.objects.select_for_update(of=("self",)).select_related("org__node")
            .get(pk=refund.pk))


def _save_refund(refund, actor):
    refund._history_user = actor
    try:
        with transaction.atomic():
            refund.save()
    except IntegrityError as exc:
        raise ValidationError({"year": [_("This organization already has a refund for this year.")]}) from exc
    return refund


def _open_refund_exists(org, year):
    return DuesRefund.objects.filter(org=org, year=year).exclude(status=RefundStatus.RETURNED).exists()


def _decimal(value, field, errors):
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        errors[field] = [_("Enter an amount in yuan.")]
        return None
    if not number.is_finite():
        errors[field] = [_("Enter an amount in yuan.")]
        return None
    return number


@transaction.atomic
def dues_refund_propose(*, actor, org, year, dues_collected, amount, purpose, today=None):
    """The community proposes to return part or all of a year's party dues to a two-new organization that has
    its own party organization, to fund its activities.

    The actor must be the community's secretary over the organization, or above (street, district). One refund
    per organization and year; one sent back may be proposed again.
    """
    org = TwoNewOrg.objects.select_for_update().select_related("node").get(pk=org.pk)
    scope = resolve_scope(actor)
    if not scope.covers(org.node, write=True):
        raise PermissionDenied(_("This organization is outside your area."))
    if not writes_above(actor, org.node, Level.COMMUNITY):
        raise PermissionDenied(_("Only the community (or the street or the district) proposes a dues refund."))
    today = today or timezone.localdate()
    errors = {}
    if org.coverage != Coverage.OWN:
        errors["org"] = [_("Only an organization with its own party organization hands in dues and gets them "
                           "refunded; this one is “%(coverage)s”.") % {"coverage": org.get_coverage_display()}]
    if not isinstance(year, int) or year < 1990 or year > today.year:
        errors["year"] = [_("Enter a year from 1990 to this year.")]
    collected = _decimal(dues_collected, "dues_collected", errors)
    refunded = _decimal(amount, "amount", errors)
    if collected is not None and collected < 0:
        errors["dues_collected"] = [_("The dues handed in cannot be negative.")]
    if refunded is not None and refunded <= 0:
        errors["amount"] = [_("The amount refunded must be more than zero.")]
    elif refunded is not None and collected is not None and refunded > collected:
        errors["amount"] = [_("The amount refunded cannot exceed the dues handed in (¥%(collected)s).")
                            % {"collected": collected}]
    if not (purpose or "").strip():
        errors["purpose"] = [_("Say what activities the refund will fund.")]
    if "year" not in errors and _open_refund_exists(org, year):
        errors["year"] = [_("This organization already has a refund for this year.")]
    if errors:
        raise ValidationError(errors)
    refund = DuesRefund(org=org, year=year, dues_collected=collected, amount=refunded, purpose=purpose.strip(),
                        status=RefundStatus.PROPOSED, proposed_by=actor, proposed_at=timezone.now())
    return _save_refund(refund, actor)


def _require_street(actor, refund):
    if not resolve_scope(actor).covers(refund.org.node):
        raise PermissionDenied(_("This organization is outside your area."))
    if not writes_above(actor, refund.org.node, Level.STREET):
        raise PermissionDenied(_("Only the street (or the district) approves or sends back a dues refund."))


def _require_proposed(refund):
    if refund.status != RefundStatus.PROPOSED:
        raise ValidationError({"status": [_("This refund is no longer waiting for the street: it is “%(status)s”.")
                                          % {"status": refund.get_status_display()}]})


@transaction.atomic
def dues_refund_approve(*, actor, refund):
    """The street (or the district) approves a proposed refund; the district pays it next."""
    refund = _refund_for_update(refund)
    _require_street(actor, refund)
    _require_proposed(refund)
    refund.status, refund.reviewed_by, refund.reviewed_at = RefundStatus.APPROVED, actor, timezone.now()
    return _save_refund(refund, actor)


@transaction.atomic
def dues_refund_send_back(*, actor, refund, reason):
    """The street (or the district) sends a proposed refund back to the community, saying why. It stays on
    file as sent back; the community may propose again."""
    refund = _refund_for_update(refund)
    _require_street(actor, refund)
    _require_proposed(refund)
    if not (reason or "").strip():
        raise ValidationError({"return_reason": [_("Say why the refund is sent back.")]})
    refund.status, refund.reviewed_by, refund.reviewed_at = RefundStatus.RETURNED, actor, timezone.now()
    refund.return_reason = reason.strip()
    return _save_refund(refund, actor)


@transaction.atomic
def dues_refund_record_payment(*, actor, refund, paid_on, voucher_number, today=None):
    """The district records that an approved refund was paid: the day and the voucher number."""
    refund = _refund_for_update(refund)
    if not resolve_scope(actor).covers(refund.org.node):
        raise PermissionDenied(_("This organization is outside your area."))
    if not is_district(actor):
        raise PermissionDenied(_("Only the district's organization department records the payment of a refund."))
    if refund.status != RefundStatus.APPROVED:
        raise ValidationError({"status": [_("Only a refund approved by the street can be paid; this one is "
                                            "“%(status)s”.") % {"status": refund.get_status_display()}]})
    errors = {}
    today = today or timezone.localdate()
    if paid_on is None:
        errors["paid_on"] = [_("Enter the day the refund was paid.")]
    elif paid_on > today:
        errors["paid_on"] = [_("The date cannot be in the future.")]
    elif paid_on < timezone.localtime(refund.reviewed_at).date():
        errors["paid_on"] = [_("The refund cannot be paid before the street approved it (%(date)s).")
                             % {"date": timezone.localtime(refund.reviewed_at).date()}]
    voucher_number = (voucher_number or "").strip()
    if not voucher_number:
        errors["voucher_number"] = [_("Enter the payment voucher number.")]
    elif len(voucher_number) > DuesRefund._meta.get_field("voucher_number").max_length:
        errors["voucher_number"] = [_("The voucher number is too long.")]
    if errors:
        raise ValidationError(errors)
    refund.status, refund.paid_by, refund.payment_recorded_at = RefundStatus.PAID, actor, timezone.now()
    refund.paid_on, refund.voucher_number = paid_on, voucher_number
    return _save_refund(refund, actor)


def dues_refund_export(*, actor, queryset, file_format="csv"):
    """The refunds of `queryset` that `actor` may see, as CSV text (or Excel bytes with file_format="xlsx").
    The rows carry no personal data: people are named by their account."""
    from .resources import DuesRefundResource
    from .selectors import dues_refund_list

    rows = dues_refund_list(user=actor).filter(pk__in=queryset.values("pk")).order_by(
        "-year", "org__node__path", "org__name", "pk")
    dataset = DuesRefundResource().export(queryset=rows)
    if file_format == "xlsx":
        dataset.title = "dues refunds"
        return dataset.export("xlsx")
    return dataset.csv
