"""Party-mass service centers 党群服务中心: centers, rooms, opening hours, bookings, waitlists, partners.

The promise "two active bookings of one room never overlap" is kept by the database: on PostgreSQL an
exclusion constraint over a half-open `[)` time range per room (btree_gist); on the SQLite demo by
serialised writes (transaction_mode IMMEDIATE) plus the check in services.booking_create, made while
the room row is locked.
"""

import datetime
import secrets

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError as ModelValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords


class RoomKind(models.TextChoices):
    PARTY_SCHOOL = "party_school", _("Regional party school")
    READING_BAR = "reading_bar", _("Reading bar")
    MEMBERS_HOME = "members_home", _("Party members' home")
    VILLAGE_HISTORY = "village_history", _("Village history room")
    PARTY_STUDIO = "party_studio", _("Regional party-building studio")
    DEPUTIES_STUDIO = "deputies_studio", _("Deputies' studio")
    SERVICE_HALL = "service_hall", _("Resident service hall")
    FOUR_OCLOCK = "four_oclock", _("Four-o'clock class")
    PLAYGROUND = "playground", _("Children's playground")
    CHESS = "chess", _("Chess room")
    GYM = "gym", _("Gym")
    MULTI_FUNCTION = "multi_function", _("Multi-function activity room")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ServiceCenter(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    street = models.ForeignKey(
        "grids.OrgNode", verbose_name=_("street served"), on_delete=models.PROTECT, related_name="service_centers",
        limit_choices_to={"level": 1},
    )
    node = models.ForeignKey(
        "grids.OrgNode", verbose_name=_("organization where it stands"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
        help_text=_("The street, community or village the center stands in; its street must be the one served."),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    floor_area = models.PositiveIntegerField(_("floor area (m²)"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service center")
        verbose_name_plural = _("service centers")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        error = street_mismatch(street=self.street if self.street_id else None,
                                node=self.node if self.node_id else None)
        if error:
            raise ModelValidationError({"node": error})


def street_mismatch(*, street, node):
    """Why a center's street does not match the organization it stands in (None when they match).

    The street served must be the street whose subtree holds the center's node (the node may be the street)."""
    if street is None or node is None:
        return None
    if street.level != 1:
        return _("A center serves a street: choose a street.")
    if not node.path.startswith(street.path):
        return _("%(node)s lies in another street than %(street)s: a center serves the street it stands in.") % {
            "node": node.name, "street": street.name}
    return None


#: A booking code: 8 characters without the easily confused 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_booking_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def delete_center_grants(sender, instance, **kwargs):
    """A deleted center takes its staff's role grants with it (connected in ServicecentersConfig.ready).

    accounts stores the center by id (RoleGrant.center_id); on PostgreSQL the foreign key added by migration
    0003 cascades as well, and this keeps the embedded SQLite demo the same."""
    from accounts.models import RoleGrant

    RoleGrant.objects.filter(center_id=instance.pk).delete()


class OpeningHours(models.Model):
    """Local (Asia/Shanghai) opening hours of a center on one weekday; no row means closed that weekday."""

    center = models.ForeignKey(ServiceCenter, verbose_name=_("service center"), on_delete=models.CASCADE,
                               related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["center", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["center", "weekday"], name="openinghours_once_per_weekday",
                violation_error_message=_("This center already has opening hours for this day of the week."),
            ),
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="openinghours_closes_after_opens",
                violation_error_message=_("The closing time must come after the opening time."),
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class ClosedDay(models.Model):
    """A day the center is closed (a holiday, an event), whatever its weekly hours say."""

    center = models.ForeignKey(ServiceCenter, verbose_name=_("service center"), on_delete=models.CASCADE,
                               related_name="closed_days")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        ordering = ["center", "date"]
        constraints = [models.UniqueConstraint(fields=["center", "date"], name="closedday_once",
            violation_error_message=_("This center is already closed on this day."),
        )]

    def __str__(self):
        return f"{self.date} {self.reason}"


class Room(models.Model):
    center = models.ForeignKey(ServiceCenter, verbose_name=_("service center"), on_delete=models.CASCADE,
                               related_name="rooms")
    kind = models.CharField(_("kind"), max_length=30, choices=RoomKind.choices)
    name = models.CharField(_("name"), max_length=100)
    capacity = models.PositiveIntegerField(_("capacity"))
    bookable = models.BooleanField(_("bookable"), default=True)
    needs_approval = models.BooleanField(_("needs approval"), default=False)
    min_minutes = models.PositiveIntegerField(_("shortest booking (minutes)"), default=30)
    max_minutes = models.PositiveIntegerField(
        _("longest booking (minutes)"), default=240, validators=[MaxValueValidator(24 * 60)]
    )
    max_days_ahead = models.PositiveIntegerField(_("bookable days ahead"), default=30)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["center", "kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="room_capacity_positive",
                violation_error_message=_("A room holds at least 1 person."),
            ),
            models.CheckConstraint(condition=Q(max_minutes__gte=F("min_minutes")), name="room_max_ge_min",
                violation_error_message=_("The longest booking cannot be shorter than the shortest."),
            ),
        ]
        indexes = [
            # The free-room search walks this in its order (servicecenters.selectors.FREE_ROOM_ORDER) and stops
            # after the page it needs, instead of reading and sorting every bookable room. It replaces the index on
            # (bookable, capacity), which served the same filter in no useful order and drew the planner to it.
            models.Index(fields=["capacity", "center", "id"], condition=Q(bookable=True), name="room_free_search"),
        ]

    def __str__(self):
        return f"{self.center} · {self.name}"


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    CHECKED_IN = "checked_in", _("Checked in")
    NO_SHOW = "no_show", _("No-show")
    COMPLETED = "completed", _("Completed")


#: The longest any booking may be (a database check): overlap searches look back at most this far,
#: so they read one day of a room's index, not its whole history.
MAX_BOOKING_LENGTH = datetime.timedelta(hours=24)

#: Statuses that hold the room: two bookings in these never overlap.
ACTIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED)
#: Statuses a resident's own upcoming bookings count in (the per-resident limit).
UPCOMING_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresOnlyExclusionConstraint(ExclusionConstraint):
    """An ExclusionConstraint that the SQLite demo database skips (there, serialised writes keep the promise)."""

    def _postgres(self, schema_editor):
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        return super().constraint_sql(model, schema_editor) if self._postgres(schema_editor) else None

    def create_sql(self, model, schema_editor):
        return super().create_sql(model, schema_editor) if self._postgres(schema_editor) else None

    def remove_sql(self, model, schema_editor):
        return super().remove_sql(model, schema_editor) if self._postgres(schema_editor) else None

    def validate(self, model, instance, exclude=None, using="default"):
        # Services check overlaps themselves with the room locked; the database is the backstop.
        return


class BookingSeries(models.Model):
    """A weekly or monthly recurring booking: stored as one Booking per date, tied together here."""

    class OnClash(models.TextChoices):
        SKIP = "skip", _("Skip clashing dates")
        REFUSE = "refuse", _("Refuse the whole series")

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly (same day of the month)")

    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="series")
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.CASCADE,
                                 related_name="booking_series")
    first_start = models.DateTimeField(_("first start"))
    weeks = models.PositiveSmallIntegerField(_("occurrences"))
    frequency = models.CharField(_("repeats"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    on_clash = models.CharField(_("on clash"), max_length=10, choices=OnClash.choices, default=OnClash.SKIP)
    skipped = models.JSONField(_("skipped dates"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("weekly series")
        verbose_name_plural = _("weekly series")

    def __str__(self):
        return f"{self.room} × {self.weeks}"


class Booking(models.Model):
    # Room and resident have no single-column index: booking_room_start and booking_resident_start lead with them
    # (each index is one more write per booking).
    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.PROTECT, related_name="bookings",
                             db_index=False)
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.CASCADE,
                                 related_name="bookings", db_index=False)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    attendees = models.PositiveIntegerField(_("attendees"))
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=BookingStatus.choices,
                              default=BookingStatus.PENDING)
    # Series and decider are indexed only where set (booking_series, booking_decided_by): most bookings have
    # neither, and a full index would take a write for each of them.
    series = models.ForeignKey(BookingSeries, verbose_name=_("weekly series"), on_delete=models.SET_NULL,
                               null=True, blank=True, related_name="bookings", db_index=False)
    reason = models.CharField(_("reason"), max_length=200, blank=True,
                              help_text=_("Why it was rejected or cancelled by staff."))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Unique by a constraint (booking_code_unique), not unique=True: that would add a second, pattern index.
    code = models.CharField(_("booking code"), max_length=CODE_LENGTH, default=new_booking_code,
                            editable=False, help_text=_("Shown to the resident; staff find the booking by it."))
    # The history is read per booking (its id): its copies of the other indexes would cost writes, not reads.
    history = HistoricalRecords(no_db_index=["room", "resident", "series", "decided_by", "code"])

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["start", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="booking_code_unique",
                                    violation_error_message=_("This booking code is already taken.")),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="booking_ends_after_start",
                violation_error_message=_("A booking ends after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(end__lte=F("start") + MAX_BOOKING_LENGTH), name="booking_at_most_a_day",
                violation_error_message=_("A booking lasts at most a day."),
            ),
            PostgresOnlyExclusionConstraint(
                name="booking_no_overlap",
                expressions=[
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("room", RangeOperators.EQUAL),
                ],
                condition=Q(status__in=[s.value for s in ACTIVE_STATUSES]),
                violation_error_message=_("The room is already booked at this time."),
            ),
        ]
        indexes = [
            models.Index(fields=["room", "start"], name="booking_room_start"),
            models.Index(fields=["resident", "start"], name="booking_resident_start"),
            models.Index(fields=["status", "start"], name="booking_status_start"),
            # A resident's upcoming bookings (their limit): only the few pending or confirmed rows, by end.
            models.Index(fields=["resident", "end"], condition=Q(status__in=["pending", "confirmed"]),
                         name="booking_resident_upcoming"),
            models.Index(fields=["series"], condition=Q(series__isnull=False), name="booking_series"),
            models.Index(fields=["decided_by"], condition=Q(decided_by__isnull=False), name="booking_decided_by"),
        ]

    def __str__(self):
        return f"{self.room} {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES


class RoomBlock(models.Model):
    """A room closed for maintenance: refuses new bookings; the bookings it displaced were cancelled."""

    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="blocks")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("maintenance block")
        verbose_name_plural = _("maintenance blocks")
        ordering = ["-start"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=F("start")), name="roomblock_ends_after_start",
            violation_error_message=_("A blocked time ends after it starts."),
        )]

    def __str__(self):
        return f"{self.room} {self.start:%Y-%m-%d}"


class WaitlistEntry(models.Model):
    """A resident waiting for a taken slot; offered in order of joining when the slot frees."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered")
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Offer expired")

    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="waitlist")
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.CASCADE,
                                 related_name="waitlist_entries")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    attendees = models.PositiveIntegerField(_("attendees"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)
    #: While an offer is held, the freed slot is kept for this resident: others cannot book it until then.
    hold_until = models.DateTimeField(_("held until"), null=True, blank=True)

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["room", "resident", "start", "end"], condition=Q(status__in=["waiting", "offered"]),
                name="waitlist_once_per_slot",
                violation_error_message=_("You are already on the waiting list for this time."),
            )
        ]

    def __str__(self):
        return f"{self.resident} · {self.room} {self.start:%Y-%m-%d %H:%M}"


class PartnerOrganization(models.Model):
    """A social organization or social-work agency that runs a center with its social workers."""

    class Kind(models.TextChoices):
        SOCIAL_ORGANIZATION = "social_organization", _("Social organization")
        SOCIAL_WORK_AGENCY = "social_work_agency", _("Social-work agency")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.SOCIAL_ORGANIZATION)
    center = models.ForeignKey(ServiceCenter, verbose_name=_("service center"), on_delete=models.CASCADE,
                               related_name="partners")
    social_workers = models.PositiveSmallIntegerField(_("social workers"), default=3)
    admitted_on = models.DateField(_("admitted on"))
    exited_on = models.DateField(_("exited on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner organization")
        verbose_name_plural = _("partner organizations")
        ordering = ["center", "name"]

    def __str__(self):
        return self.name


class PartnerEvaluation(models.Model):
    """The yearly third-party evaluation of a partner: the basis for keeping it (admission and exit)."""

    class Outcome(models.TextChoices):
        CONTINUE = "continue", _("Continue")
        PROBATION = "probation", _("Continue on probation")
        EXIT = "exit", _("Exit")

    partner = models.ForeignKey(PartnerOrganization, verbose_name=_("partner organization"),
                                on_delete=models.CASCADE, related_name="evaluations")
    year = models.PositiveSmallIntegerField(_("year"))
    evaluator = models.CharField(_("third-party evaluator"), max_length=100)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("partner evaluation")
        verbose_name_plural = _("partner evaluations")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "year"], name="partnerevaluation_once_a_year",
                violation_error_message=_("This partner has already been evaluated this year."),
            ),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="partnerevaluation_score_0_100",
                violation_error_message=_("A score is between 0 and 100."),
            ),
        ]

    def __str__(self):
        return f"{self.partner} {self.year}"


class CalendarFeed(models.Model):
    """A resident's calendar feed: its address carries `version`; revoking raises it, so old addresses stop."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user account"), on_delete=models.CASCADE,
                                related_name="calendar_feed")
    version = models.PositiveIntegerField(_("version"), default=1)
    revoked_at = models.DateTimeField(_("last revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return f"{self.user} v{self.version}"
