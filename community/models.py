"""Coverage and community work: the records behind the district's figures.

Every record hangs off a node of the four-level grid (`node`, a foreign key to grids.OrgNode), so the
one scope mechanism (accounts.scopes) cuts it: a secretary sees and writes the records of their subtree,
district staff everything, inspectors read. The design brief places these records "in grids/"; they
live in their own app so that the tree's app stays small.

Rules the database can hold are constraints here; rules that are facts to report rather than to refuse
(the "3 or more members must form their own organization" rule) are flagged by selectors.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords

#: 3 or more party members in a two-new organization: it must form its own party organization.
OWN_ORGANIZATION_THRESHOLD = 3

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17):
    """The check character of a unified social credit code (统一社会信用代码, GB 32100-2015)."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


def validate_uscc(value):
    from django.core.exceptions import ValidationError

    if len(value) != 18 or any(c not in _USCC_CHARS for c in value) or uscc_check_char(value[:17]) != value[17]:
        raise ValidationError(_("Enter a valid unified social credit code (18 characters, check character last)."))


class NodeRecord(models.Model):
    """A record kept by the organization `node` (and by everyone above it)."""

    node = models.ForeignKey(
        "grids.OrgNode", verbose_name=_("party organization"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    #: Tree levels the record may hang off (None: any).
    NODE_LEVELS = None

    class Meta:
        abstract = True


# --- two-new organizations and instructors ------------------------------------------------------


class Instructor(NodeRecord):
    """A party-building instructor (党建指导员) sent to two-new organizations by a street or community."""

    name = models.CharField(_("full name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    full_time = models.BooleanField(_("full-time"), default=False)
    appointed_on = models.DateField(_("appointed on"))

    class Meta:
        verbose_name = _("party-building instructor")
        verbose_name_plural = _("party-building instructors")
        ordering = ["node_id", "name", "pk"]

    def __str__(self):
        return self.name


class OrgKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Non-public enterprise")
    SOCIAL = "social", _("Social organization")


class Coverage(models.TextChoices):
    OWN = "own", _("Own party organization")
    JOINT = "joint", _("Joint party organization")
    INSTRUCTOR = "instructor", _("Covered by an instructor")
    NONE = "none", _("Not covered")


class TwoNewOrg(NodeRecord):
    """A "two new" organization (两新组织): a non-public enterprise or a social organization.

    Registration data come with the party-building data collected at registration; `coverage` says how
    party work reaches it. Covered = anything but "not covered".
    """

    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    registered_on = models.DateField(_("registered on"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    employees = models.PositiveIntegerField(_("employees"), default=0)
    party_members = models.PositiveIntegerField(_("party members"), default=0)
    coverage = models.CharField(_("party coverage"), max_length=20, choices=Coverage.choices, default=Coverage.NONE)
    instructor = models.ForeignKey(
        Instructor, verbose_name=_("party-building instructor"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="organizations",
    )

    class Meta:
        verbose_name = _("two-new organization")
        verbose_name_plural = _("two-new organizations")
        ordering = ["node_id", "name", "pk"]
        indexes = [models.Index(fields=["kind", "coverage"], name="twoneworg_kind_coverage")]
        constraints = [
            # A party organization of its own needs at least three members.
            models.CheckConstraint(
                condition=~Q(coverage=Coverage.OWN) | Q(party_members__gte=OWN_ORGANIZATION_THRESHOLD),
                name="twoneworg_own_needs_three_members",
                violation_error_message=_("An organization of its own needs at least 3 party members."),
            ),
            models.CheckConstraint(
                condition=~Q(coverage=Coverage.INSTRUCTOR) | Q(instructor__isnull=False),
                name="twoneworg_instructor_coverage_needs_instructor",
                violation_error_message=_("Coverage by an instructor needs the instructor's name."),
            ),
            models.CheckConstraint(
                condition=Q(party_members__lte=F("employees")), name="twoneworg_members_within_employees",
                violation_error_message=_("Party members cannot outnumber the employees."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def must_form_own(self):
        """The rule: 3 or more party members, and no party organization of its own yet."""
        return self.party_members >= OWN_ORGANIZATION_THRESHOLD and self.coverage != Coverage.OWN


# --- stations and red homes ---------------------------------------------------------------------


class StationKind(models.TextChoices):
    BUILDING = "building", _("Office building")
    BUSINESS_DISTRICT = "business_district", _("Business district")
    NONPUBLIC = "nonpublic", _("Non-public organization")


class ServiceStation(NodeRecord):
    """A party service station (党员服务站) and how many enterprises it covers."""

    kind = models.CharField(_("kind"), max_length=20, choices=StationKind.choices)
    name = models.CharField(_("name"), max_length=100)
    host = models.ForeignKey(
        TwoNewOrg, verbose_name=_("host organization"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="stations",
    )
    enterprises_covered = models.PositiveIntegerField(_("enterprises covered"), default=0)
    opened_on = models.DateField(_("opened on"))

    class Meta:
        verbose_name = _("party service station")
        verbose_name_plural = _("party service stations")
        ordering = ["node_id", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=StationKind.NONPUBLIC, host__isnull=False)
                | (~Q(kind=StationKind.NONPUBLIC) & Q(host__isnull=True)),
                name="station_host_iff_nonpublic",
                violation_error_message=_("A station in a non-public enterprise names its host; other stations do "
                                          "not."),
            ),
        ]

    def __str__(self):
        return self.name


class RedHome(NodeRecord):
    """The red home (红色家园) of a street: one per street."""

    NODE_LEVELS = (1,)

    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    area_m2 = models.PositiveIntegerField(_("floor area (m²)"), default=0)
    opened_on = models.DateField(_("opened on"))

    class Meta:
        verbose_name = _("red home")
        verbose_name_plural = _("red homes")
        ordering = ["node_id"]
        constraints = [models.UniqueConstraint(fields=["node"], name="redhome_one_per_street",
            violation_error_message=_("This street already has a red home."),
        )]

    def __str__(self):
        return self.name


# --- resident units, pairings, joint meetings ---------------------------------------------------


class ResidentUnit(NodeRecord):
    """A unit based in the district (驻区单位): an agency, school, hospital or company, located at `node`."""

    name = models.CharField(_("name"), max_length=100)
    party_organization = models.CharField(_("its party organization"), max_length=100, blank=True)
    contact = models.CharField(_("contact person"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("resident unit")
        verbose_name_plural = _("resident units")
        ordering = ["node_id", "name", "pk"]

    def __str__(self):
        return self.name


class Pairing(NodeRecord):
    """A resident unit paired with a street or community (结对共建)."""

    NODE_LEVELS = (1, 2)

    unit = models.ForeignKey(ResidentUnit, verbose_name=_("resident unit"), on_delete=models.CASCADE,
                             related_name="pairings")
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["node_id", "-started_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "node", "started_on"], name="pairing_unique",
                violation_error_message=_("This unit is already paired with this organization from this day."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")), name="pairing_ends_after_start",
                violation_error_message=_("A pairing cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.node}"


class JointMeeting(NodeRecord):
    """A quarterly joint meeting (联席会议) of a street or community with its paired units, and its outcomes."""

    NODE_LEVELS = (1, 2)

    held_on = models.DateField(_("held on"))
    topic = models.CharField(_("topic"), max_length=200)
    units_attending = models.PositiveIntegerField(_("units attending"), default=0)
    problems_raised = models.PositiveIntegerField(_("problems raised"), default=0)
    problems_resolved = models.PositiveIntegerField(_("problems resolved"), default=0)
    agreements_signed = models.PositiveIntegerField(_("resource-sharing agreements signed"), default=0)
    joint_services = models.PositiveIntegerField(_("joint services held"), default=0)

    class Meta:
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")
        ordering = ["-held_on", "pk"]
        indexes = [models.Index(fields=["held_on"], name="jointmeeting_held_on")]
        constraints = [
            models.CheckConstraint(
                condition=Q(problems_resolved__lte=F("problems_raised")), name="jointmeeting_resolved_le_raised",
                violation_error_message=_("Problems resolved cannot exceed problems raised."),
            ),
        ]

    def __str__(self):
        return f"{self.topic} ({self.held_on})"


# --- residents' issues and the village visit log ------------------------------------------------


class IssueStage(models.TextChoices):
    """一征三议两公开: solicit; propose, deliberate, decide; publish the decision, publish the result."""

    SOLICITED = "solicited", _("Solicited")
    PROPOSED = "proposed", _("Proposed by the party organization")
    DELIBERATED = "deliberated", _("Deliberated by the two committees")
    DECIDED = "decided", _("Decided by residents' representatives")
    DECISION_PUBLISHED = "decision_published", _("Decision published")
    RESOLVED = "resolved", _("Resolved, result published")


ISSUE_STAGES = [s.value for s in IssueStage]


class IssueCategory(models.TextChoices):
    OWNERLESS_COMPOUND = "ownerless", _("Compound without a manager")
    OLD_ESTATE = "old_estate", _("Old estate renovation")
    ENVIRONMENT = "environment", _("Environment")
    OTHER = "other", _("Other")


class ResidentIssue(NodeRecord):
    """An issue raised by residents and carried through 一征三议两公开 to a resolution."""

    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("issue category"), max_length=20, choices=IssueCategory.choices,
                                default=IssueCategory.OTHER)
    raised_on = models.DateField(_("raised on"))
    stage = models.CharField(_("stage"), max_length=20, choices=IssueStage.choices, default=IssueStage.SOLICITED)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        verbose_name = _("residents' issue")
        verbose_name_plural = _("residents' issues")
        ordering = ["-raised_on", "pk"]
        indexes = [models.Index(fields=["stage"], name="residentissue_stage")]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage=IssueStage.RESOLVED, resolved_on__isnull=False)
                | (~Q(stage=IssueStage.RESOLVED) & Q(resolved_on__isnull=True)),
                name="residentissue_resolved_date_iff_resolved",
                violation_error_message=_("A resolved issue has the date it was resolved; an open one has none."),
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("raised_on")),
                name="residentissue_resolved_after_raised",
                violation_error_message=_("An issue cannot be resolved before it was raised."),
            ),
        ]

    def __str__(self):
        return self.title


class VisitOutcome(models.TextChoices):
    SOLVED = "solved", _("Solved on the spot")
    TRANSFERRED = "transferred", _("Registered and transferred")
    ADVISED = "advised", _("Advice given")


class VillageVisit(NodeRecord):
    """A resident's visit to a village's service desk (接待群众), with its outcome."""

    NODE_LEVELS = (2,)

    visited_on = models.DateField(_("visited on"))
    visitor = models.CharField(_("visitor"), max_length=50)
    matter = models.CharField(_("matter"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=20, choices=VisitOutcome.choices)
    completed_on = models.DateField(_("transferred matter completed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("village visit")
        verbose_name_plural = _("village visits")
        ordering = ["-visited_on", "pk"]
        indexes = [models.Index(fields=["visited_on"], name="villagevisit_visited_on")]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(outcome=VisitOutcome.TRANSFERRED),
                name="villagevisit_only_transfers_complete",
                violation_error_message=_("Only a visit whose outcome is a transfer has a completion date."),
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("visited_on")),
                name="villagevisit_completed_after_visit",
                violation_error_message=_("The completion cannot come before the visit."),
            ),
        ]

    def __str__(self):
        return f"{self.visitor} · {self.matter}"


# --- building groups and weak organizations -----------------------------------------------------


class StarRating(NodeRecord):
    """A star rating of a building group (星级楼组); the ratings over time are its history."""

    NODE_LEVELS = (4,)

    stars = models.PositiveSmallIntegerField(_("stars"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    rated_on = models.DateField(_("rated on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rated by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("building-group star rating")
        verbose_name_plural = _("building-group star ratings")
        ordering = ["node_id", "-rated_on"]
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="starrating_one_to_five",
                violation_error_message=_("A rating is 1 to 5 stars."),
            ),
            models.UniqueConstraint(fields=["node", "rated_on"], name="starrating_one_per_day",
                violation_error_message=_("This organization has already been rated on this day."),
            ),
        ]

    def __str__(self):
        return f"{self.node} · {'★' * self.stars}"


class WeakOrgFlag(NodeRecord):
    """The "weak and lax" flag (软弱涣散) on an organization, its rectification and its closure."""

    flagged_on = models.DateField(_("flagged on"))
    reasons = models.TextField(_("reasons"))
    rectification_plan = models.TextField(_("rectification plan"), blank=True)
    first_secretary = models.CharField(_("first secretary"), max_length=50, blank=True)
    deadline = models.DateField(_("rectification deadline"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_note = models.TextField(_("closure note"), blank=True)

    class Meta:
        verbose_name = _("weak-and-lax flag")
        verbose_name_plural = _("weak-and-lax flags")
        ordering = ["-flagged_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["node"], condition=Q(closed_on__isnull=True), name="weakorgflag_one_open_per_node",
                violation_error_message=_("This organization is already marked as weak."),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("flagged_on")),
                name="weakorgflag_closed_after_flagged",
                violation_error_message=_("It cannot be closed before it was marked."),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | ~Q(rectification_plan=""),
                name="weakorgflag_closed_needs_plan",
                violation_error_message=_("Closing it needs the rectification plan."),
            ),
        ]

    def __str__(self):
        return f"{self.node} ({self.flagged_on})"

    @property
    def is_open(self):
        return self.closed_on is None


# --- party dues refunded to two-new organizations -----------------------------------------------


class RefundStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed by the community")
    APPROVED = "approved", _("Approved by the street")
    RETURNED = "returned", _("Sent back by the street")
    PAID = "paid", _("Paid by the district")


class DuesRefund(models.Model):
    """Party dues returned to a two-new organization's own party organization for one year (党费返还), to fund
    its activities.

    The community over the organization proposes, the street approves or sends back with a reason, the
    district records the payment. A refund sent back stays as it was; the community proposes again with a
    new one. Each step keeps who took it and when; the history keeps every change.
    """

    org = models.ForeignKey(TwoNewOrg, verbose_name=_("two-new organization"), on_delete=models.PROTECT,
                            related_name="dues_refunds")
    year = models.PositiveSmallIntegerField(_("year"))
    dues_collected = models.DecimalField(
        _("dues handed in (yuan)"), max_digits=12, decimal_places=2,
        help_text=_("Party dues the organization's party organization handed in that year."),
    )
    amount = models.DecimalField(_("amount refunded (yuan)"), max_digits=12, decimal_places=2)
    purpose = models.TextField(_("purpose of the activity funds"))
    status = models.CharField(_("refund status"), max_length=10, choices=RefundStatus.choices,
                              default=RefundStatus.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("proposed by (community)"),
                                    on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("proposed at"))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by (street)"),
                                    on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for sending back"), blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("payment recorded by (district)"),
                                on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    payment_recorded_at = models.DateTimeField(_("payment recorded at"), null=True, blank=True)
    paid_on = models.DateField(_("refund paid on"), null=True, blank=True)
    voucher_number = models.CharField(_("voucher number"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("dues refund")
        verbose_name_plural = _("dues refunds")
        ordering = ["-year", "org_id", "-pk"]
        indexes = [models.Index(fields=["year", "status"], name="duesrefund_year_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "year"], condition=~Q(status=RefundStatus.RETURNED), name="duesrefund_one_per_org_year",
                violation_error_message=_("This organization already has a dues refund for this year."),
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="duesrefund_amount_positive",
                violation_error_message=_("The amount must be above 0."),
            ),
            models.CheckConstraint(condition=Q(amount__lte=F("dues_collected")), name="duesrefund_within_collected",
                violation_error_message=_("The refund cannot exceed the dues collected."),
            ),
            models.CheckConstraint(condition=Q(year__gte=1990, year__lte=2100), name="duesrefund_year_range",
                violation_error_message=_("The year is between 1990 and 2100."),
            ),
            models.CheckConstraint(condition=Q(status__in=RefundStatus.values), name="duesrefund_status_valid",
                violation_error_message=_("Unknown status."),
            ),
            models.CheckConstraint(condition=~Q(purpose=""), name="duesrefund_purpose_given",
                violation_error_message=_("Give the purpose of the refund."),
            ),
            # Decided (approved, sent back, paid) exactly when the street's review is on file.
            models.CheckConstraint(
                condition=Q(status=RefundStatus.PROPOSED, reviewed_by__isnull=True, reviewed_at__isnull=True)
                | (~Q(status=RefundStatus.PROPOSED) & Q(reviewed_by__isnull=False, reviewed_at__isnull=False)),
                name="duesrefund_reviewed_iff_decided",
                violation_error_message=_("A decided refund names who reviewed it and when; a proposed one does not "
                                          "yet."),
            ),
            models.CheckConstraint(
                condition=(Q(status=RefundStatus.RETURNED) & ~Q(return_reason=""))
                | (~Q(status=RefundStatus.RETURNED) & Q(return_reason="")),
                name="duesrefund_reason_iff_returned",
                violation_error_message=_("A returned refund gives the reason it was returned; others have none."),
            ),
            models.CheckConstraint(
                condition=(Q(status=RefundStatus.PAID, paid_by__isnull=False, payment_recorded_at__isnull=False,
                             paid_on__isnull=False) & ~Q(voucher_number=""))
                | (~Q(status=RefundStatus.PAID) & Q(paid_by__isnull=True, payment_recorded_at__isnull=True,
                                                     paid_on__isnull=True, voucher_number="")),
                name="duesrefund_payment_iff_paid",
                violation_error_message=_("A paid refund needs who paid it, when, and the voucher number; an unpaid one"
                                          " has none of these."),
            ),
        ]

    def __str__(self):
        return f"{self.org} · {self.year}"
