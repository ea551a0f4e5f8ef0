"""Residents and members take part: requests from the phone, service-center activities, volunteer teams, the 智库.

This app sits above servicecenters, community and members (it reads their records and calls their services);
none of them imports it.

- A **request** (ResidentRequest) is an issue (feeding the community's 一征三议两公开 record, community.ResidentIssue)
  or a one-stop service of the resident service hall, raised by a resident in their community; the community
  accepts it, may route it to a service center, answers and closes it; every step is a RequestStep the resident
  follows, and the resident rates the result.
- An **activity** at a service center has a capacity and a sign-up window. `signed_up` is kept by the database:
  a sign-up raises it only while it is below the capacity (one conditional UPDATE, so concurrent sign-ups queue
  on the row), and a check constraint refuses anything above the capacity.
- A **volunteer team** (自治队伍) has a charter, a leader and members; its hours feed the members' points.
- The **智库**: resources offered by resident units and partners, needs posted by communities, and matches between
  them (proposed, agreed, done with an outcome).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.history import HistoricalRecords


class ResidentProfile(models.Model):
    """A resident's own community, chosen once on the phone (staff may change it in the admin)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user account"), on_delete=models.CASCADE,
                                related_name="resident_profile")
    community = models.ForeignKey("grids.OrgNode", verbose_name=_("community"), on_delete=models.PROTECT,
                                  related_name="+", limit_choices_to={"level": 2})
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    chosen_at = models.DateTimeField(_("chosen at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("resident profile")
        verbose_name_plural = _("resident profiles")

    def __str__(self):
        return f"{self.user} · {self.community}"


# --- requests ---------------------------------------------------------------------------------------------------


class RequestKind(models.TextChoices):
    ISSUE = "issue", _("Issue for the community (一征三议两公开)")
    SERVICE = "service", _("One-stop service")


class ServiceKind(models.TextChoices):
    UTILITIES = "utilities", _("Water, power and gas")
    RENTING = "renting", _("Renting and housing")
    SOCIAL_SECURITY = "social_security", _("Social security and pensions")
    FAMILY_PLANNING = "family_planning", _("Family planning")
    LEGAL_AID = "legal_aid", _("Legal aid")
    CERTIFICATES = "certificates", _("Certificates and proofs")
    OTHER = "other", _("Other")


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    ROUTED = "routed", _("Routed to a service center")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined")


#: Statuses in which a request is still being handled (it can fall overdue).
OPEN_REQUEST_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.ACCEPTED, RequestStatus.ROUTED)


class ResidentRequest(models.Model):
    """An issue or a service request raised by a resident in their community."""

    resident = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.PROTECT,
                                 related_name="participation_requests")
    community = models.ForeignKey("grids.OrgNode", verbose_name=_("community"), on_delete=models.PROTECT,
                                  related_name="+", limit_choices_to={"level": 2})
    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    service = models.CharField(_("service"), max_length=20, choices=ServiceKind.choices, blank=True)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("details"), max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices,
                              default=RequestStatus.SUBMITTED)
    center = models.ForeignKey("servicecenters.ServiceCenter", verbose_name=_("routed to"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="+")
    issue = models.OneToOneField("community.ResidentIssue", verbose_name=_("community issue record"),
                                 on_delete=models.SET_NULL, null=True, blank=True, related_name="request")
    answer = models.TextField(pgettext_lazy("request reply", "answer"), blank=True)
    due_on = models.DateField(_("due on"))
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True,
                                              validators=[MinValueValidator(1), MaxValueValidator(5)])
    rating_comment = models.CharField(_("rating comment"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    answered_at = models.DateTimeField(pgettext_lazy("request reply", "answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated to the street at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("resident's request")
        verbose_name_plural = _("residents' requests")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["resident", "created_at"], name="request_resident"),
            models.Index(fields=["status", "due_on"], name="request_status_due"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="request_rating_1_to_5",
                violation_error_message=_("A rating is 1 to 5 stars."),
            ),
            models.CheckConstraint(condition=Q(kind="service") | Q(service=""), name="request_service_only_for_service",
                violation_error_message=_("Only a service request names a service."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status in OPEN_REQUEST_STATUSES


class RequestStep(models.Model):
    """One step of a request as the resident follows it: who did what, when, with a note."""

    request = models.ForeignKey(ResidentRequest, verbose_name=_("request"), on_delete=models.CASCADE,
                                related_name="steps")
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("request step")
        verbose_name_plural = _("request steps")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.request} · {self.get_status_display()}"


def _photo_path(instance, filename):
    return f"requests/{instance.request_id}/{instance.token}.{instance.extension}"


class RequestPhoto(models.Model):
    """A photo attached to a request; its type was read from its content, not its name, and its size bounded.
    Served only through the request's page, to those who may see the request."""

    request = models.ForeignKey(ResidentRequest, verbose_name=_("request"), on_delete=models.CASCADE,
                                related_name="photos")
    token = models.CharField(max_length=32, unique=True)
    extension = models.CharField(max_length=5)
    content_type = models.CharField(_("type"), max_length=30)
    size = models.PositiveIntegerField(_("size (bytes)"))
    image = models.FileField(_("photo"), upload_to=_photo_path, max_length=200)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("request photo")
        verbose_name_plural = _("request photos")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.request} #{self.pk}"


# --- activities -------------------------------------------------------------------------------------------------


class ActivityKind(models.TextChoices):
    FOUR_OCLOCK = "four_oclock", _("Four-o'clock class")
    LECTURE = "lecture", _("Lecture")
    HEALTH = "health", _("Health talk")
    VOLUNTEER = "volunteer", _("Volunteer service")
    OTHER = "other", _("Other")


class ActivityStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class Activity(models.Model):
    center = models.ForeignKey("servicecenters.ServiceCenter", verbose_name=_("service center"),
                               on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey("servicecenters.Room", verbose_name=_("room"), on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+")
    team = models.ForeignKey("VolunteerTeam", verbose_name=_("volunteer team"), on_delete=models.SET_NULL,
                             null=True, blank=True, related_name="activities")
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("places"))
    signed_up = models.PositiveIntegerField(_("signed up"), default=0)
    signup_opens = models.DateTimeField(_("sign-up opens"))
    signup_closes = models.DateTimeField(_("sign-up closes"))
    points = models.DecimalField(_("points for members who attend"), max_digits=4, decimal_places=1, default=0)
    status = models.CharField(_("status"), max_length=10, choices=ActivityStatus.choices,
                              default=ActivityStatus.PUBLISHED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"),
                                   on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["signed_up"])

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["status", "starts_at"], name="activity_status_start")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="activity_ends_after_start",
                violation_error_message=_("An activity ends after it starts."),
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="activity_capacity_positive",
                violation_error_message=_("An activity takes at least 1 person."),
            ),
            models.CheckConstraint(condition=Q(signed_up__lte=F("capacity")), name="activity_not_overfull",
                violation_error_message=_("The activity is full."),
            ),
            models.CheckConstraint(condition=Q(signup_closes__gt=F("signup_opens")),
                                   name="activity_signup_window",
                violation_error_message=_("Sign-up closes after it opens."),
            ),
            models.CheckConstraint(condition=Q(signup_closes__lte=F("ends_at")),
                                   name="activity_signup_closes_before_end",
                violation_error_message=_("Sign-up closes by the end of the activity at the latest."),
            ),
            models.CheckConstraint(condition=Q(points__gte=0, points__lte=20), name="activity_points_bounded",
                violation_error_message=_("An activity gives 0 to 20 points."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def places_left(self):
        return max(self.capacity - self.signed_up, 0)


class SignupStatus(models.TextChoices):
    SIGNED_UP = "signed_up", _("Signed up")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")


#: Sign-ups holding a place.
HOLDING_SIGNUP = (SignupStatus.SIGNED_UP, SignupStatus.ATTENDED)


class Signup(models.Model):
    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE,
                                 related_name="signups")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.CASCADE,
                             related_name="activity_signups")
    status = models.CharField(_("status"), max_length=10, choices=SignupStatus.choices,
                              default=SignupStatus.SIGNED_UP)
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("checked in by"),
                                      on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    point_entry = models.OneToOneField("members.PointEntry", verbose_name=_("points entry"),
                                       on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "user"], condition=Q(status__in=["signed_up", "attended"]),
                                    name="signup_once_per_activity",
                violation_error_message=_("You have already signed up for this activity."),
            ),
        ]
        indexes = [models.Index(fields=["user", "status"], name="signup_user_status")]

    def __str__(self):
        return f"{self.user} · {self.activity}"


# --- volunteer teams ---------------------------------------------------------------------------------------------


class TeamKind(models.TextChoices):
    PATROL = "patrol", _("Patrol")
    MEDIATION = "mediation", _("Mediation")
    CLEANING = "cleaning", _("Cleaning")
    CARE = "care", _("Care and help")
    OTHER = "other", _("Other")


class VolunteerTeam(models.Model):
    """A residents' self-governing team (自治队伍) of a community: 党员妈妈服务队, 夕阳红巡逻队…"""

    node = models.ForeignKey("grids.OrgNode", verbose_name=_("community"), on_delete=models.PROTECT,
                             related_name="+")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=TeamKind.choices)
    charter = models.TextField(_("charter"), max_length=4000)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("leader"), on_delete=models.SET_NULL,
                               null=True, blank=True, related_name="led_teams")
    founded_on = models.DateField(_("founded on"))
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["node_id", "name"]
        constraints = [models.UniqueConstraint(fields=["node", "name"], name="team_name_unique_in_node",
            violation_error_message=_("This organization already has a team with this name."),
        )]

    def __str__(self):
        return self.name


class TeamMembership(models.Model):
    """A resident (and, when linked, a party member) on a team's roster."""

    team = models.ForeignKey(VolunteerTeam, verbose_name=_("team"), on_delete=models.CASCADE,
                             related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.CASCADE,
                             null=True, blank=True, related_name="team_memberships")
    member = models.ForeignKey("members.Member", verbose_name=_("party member"), on_delete=models.SET_NULL,
                               null=True, blank=True, related_name="+")
    name = models.CharField(_("name"), max_length=50)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering = ["team_id", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], condition=Q(left_on__isnull=True, user__isnull=False),
                                    name="team_member_once",
                violation_error_message=_("This person is already in the team."),
            ),
            models.CheckConstraint(condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                                   name="team_member_left_after_joined",
                violation_error_message=_("Leaving cannot come before joining."),
            ),
        ]

    def __str__(self):
        return f"{self.name} · {self.team}"


class VolunteerHours(models.Model):
    """Hours a team member gave on a day, with what they did; a party member's hours earn volunteering points."""

    membership = models.ForeignKey(TeamMembership, verbose_name=_("team member"), on_delete=models.CASCADE,
                                   related_name="hours")
    on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    what = models.CharField(pgettext_lazy("volunteer service", "what was done"), max_length=200)
    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.SET_NULL, null=True, related_name="+")
    point_entry = models.OneToOneField("members.PointEntry", verbose_name=_("points entry"),
                                       on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("volunteer hours")
        verbose_name_plural = _("volunteer hours")
        ordering = ["-on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0, hours__lte=24), name="hours_within_a_day",
                violation_error_message=_("Hours are above 0 and at most 24."),
            ),
            models.UniqueConstraint(fields=["membership", "on", "what"], name="hours_once",
                violation_error_message=_("These hours are already recorded."),
            ),
        ]

    def __str__(self):
        return f"{self.membership} {self.on} {self.hours}h"


# --- the 智库: resources, needs, matches ---------------------------------------------------------------------------


class ResourceKind(models.TextChoices):
    ROOM = "room", _("Rooms and venues")
    EXPERT = "expert", _("Experts")
    FUNDS = "funds", _("Funds")
    SERVICE = "service", _("Services")


class Resource(models.Model):
    """What a resident unit (or a partner organization of a center) offers, located at `node`."""

    node = models.ForeignKey("grids.OrgNode", verbose_name=_("where"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("community.ResidentUnit", verbose_name=_("resident unit"), on_delete=models.CASCADE,
                             null=True, blank=True, related_name="+")
    partner = models.ForeignKey("servicecenters.PartnerOrganization", verbose_name=_("partner organization"),
                                on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=ResourceKind.choices)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    available = models.BooleanField(_("available"), default=True)
    created_at = models.DateTimeField(_("offered at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("offered resource")
        verbose_name_plural = _("offered resources")
        ordering = ["kind", "title", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(unit__isnull=False, partner__isnull=True)
                                   | Q(unit__isnull=True, partner__isnull=False), name="resource_one_provider",
                violation_error_message=_("A resource comes from either a partner or a unit, not both."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def provider(self):
        return self.unit or self.partner


class NeedStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("need still open", "Open")
    MET = "met", _("Met")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Need(models.Model):
    """What a community (or street) needs and asks the 智库 for."""

    node = models.ForeignKey("grids.OrgNode", verbose_name=_("community"), on_delete=models.PROTECT,
                             related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=ResourceKind.choices)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("posted by"), on_delete=models.SET_NULL,
                                  null=True, related_name="+")
    posted_on = models.DateField(_("posted on"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("community need")
        verbose_name_plural = _("community needs")
        ordering = ["-posted_on", "pk"]

    def __str__(self):
        return self.title


class MatchStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    AGREED = "agreed", _("Agreed")
    DONE = "done", _("Done")
    DECLINED = "declined", pgettext_lazy("match declined", "Declined")


class Match(models.Model):
    """A resource proposed for a need; once agreed it counts as a resource-sharing agreement, once done its
    outcome is recorded (and, when settled at a joint meeting, tied to it)."""

    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="matches")
    resource = models.ForeignKey(Resource, verbose_name=_("resource"), on_delete=models.CASCADE,
                                 related_name="matches")
    distance = models.PositiveSmallIntegerField(_("distance in the tree"))
    status = models.CharField(_("status"), max_length=10, choices=MatchStatus.choices, default=MatchStatus.PROPOSED)
    meeting = models.ForeignKey("community.JointMeeting", verbose_name=_("joint meeting"), on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="+")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=pgettext_lazy("match", "proposed by"),
                                    on_delete=models.SET_NULL, null=True, related_name="+")
    proposed_on = models.DateField(_("proposed on"))
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True, max_length=2000)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["-proposed_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["need", "resource"], name="match_once",
                violation_error_message=_("This need is already matched with this resource."),
            ),
            models.CheckConstraint(condition=~Q(status="done") | (Q(done_on__isnull=False) & ~Q(outcome="")),
                                   name="match_done_has_outcome",
                violation_error_message=_("A completed match needs the date it was done and its outcome."),
            ),
            models.CheckConstraint(condition=Q(status__in=["proposed", "declined"]) | Q(agreed_on__isnull=False),
                                   name="match_agreed_has_date",
                violation_error_message=_("An agreed match needs the date it was agreed."),
            ),
        ]

    def __str__(self):
        return f"{self.resource} → {self.need}"
