from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords

PATH_SEPARATOR = "/"
CODE_VALIDATOR = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{0,31}$",
    _("Use 1–32 capital letters, digits or hyphens, starting with a letter or digit."),
)


class Level(models.IntegerChoices):
    STREET = 1, _("Street")
    COMMUNITY = 2, _("Community or village")
    GRID = 3, _("Grid")
    BUILDING_GROUP = 4, _("Building group")


class Kind(models.TextChoices):
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    VILLAGE = "village", _("Village")
    GRID = "grid", _("Grid")
    BUILDING_GROUP = "building_group", _("Building group")


KINDS_BY_LEVEL = {
    Level.STREET: [Kind.STREET],
    Level.COMMUNITY: [Kind.COMMUNITY, Kind.VILLAGE],
    Level.GRID: [Kind.GRID],
    Level.BUILDING_GROUP: [Kind.BUILDING_GROUP],
}


class OrgNodeQuerySet(models.QuerySet):
    def subtree_of(self, *nodes_or_paths):
        """Nodes at or below any of the given nodes (or their paths): one indexed prefix scan each."""
        paths = [getattr(n, "path", n) for n in nodes_or_paths]
        if not paths:
            return self.none()
        condition = Q()
        for path in paths:
            condition |= Q(path__startswith=path)
        return self.filter(condition)

    def streets(self):
        return self.filter(level=Level.STREET)

    def communities(self):
        return self.filter(level=Level.COMMUNITY)


class OrgNode(models.Model):
    """One party organization of the four-level grid: street → community/village → grid → building group.

    `path` is a materialised path of codes ("/S01/S01C02/"): the separator after each code makes a
    prefix match exact, so "everything under this street" is a single indexed `LIKE 'path%'` scan.
    `level` and `path` follow from the parent; services compute them and PostgreSQL checks them
    (see the trigger in migration 0002).
    """

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, editable=False)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # unique=True gives PostgreSQL both a unique index and a varchar_pattern_ops index, which
    # answers `path LIKE 'prefix%'` whatever the collation.
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    secretary_name = models.CharField(_("secretary"), max_length=50, blank=True)
    secretary_phone = models.CharField(_("secretary's phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = OrgNodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("party organization")
        verbose_name_plural = _("party organizations")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["level", "name"], name="orgnode_level_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=4), name="orgnode_level_range",
                violation_error_message=_("An organization is at level 1 (street) to 4 (building group)."),
            ),
            models.CheckConstraint(
                condition=Q(level=1, parent__isnull=True) | Q(level__gt=1, parent__isnull=False),
                name="orgnode_root_is_street",
                violation_error_message=_("A street has no organization above it; every other organization has one."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(level=1, kind=Kind.STREET)
                    | Q(level=2, kind__in=[Kind.COMMUNITY, Kind.VILLAGE])
                    | Q(level=3, kind=Kind.GRID)
                    | Q(level=4, kind=Kind.BUILDING_GROUP)
                ),
                name="orgnode_kind_matches_level",
                violation_error_message=_("The kind of organization does not fit its level (street, community or "
                                          "village, grid, building group)."),
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="orgnode_not_own_parent",
                violation_error_message=_("An organization cannot be its own parent."),
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def label(self):
        """The name people recognise: a grid or building group with its community ("龙子湖社区 · 第二网格",
        "龙子湖社区 · 第二网格 · 3号楼组"); a street or community alone. It reads the parent and grandparent: select
        them with the node (`label_related`), or each row costs a query."""
        if self.level == 3 and self.parent_id:
            return f"{self.parent.name} · {self.name}"
        if self.level == 4 and self.parent_id:
            return f"{self.parent.parent.name} · {self.parent.name} · {self.name}"
        return self.name

    @staticmethod
    def path_for(code, parent=None):
        prefix = parent.path if parent is not None else PATH_SEPARATOR
        return f"{prefix}{code}{PATH_SEPARATOR}"

    @property
    def ancestor_paths(self):
        """Paths of this node and every ancestor, root first."""
        codes = [c for c in self.path.split(PATH_SEPARATOR) if c]
        return [PATH_SEPARATOR + PATH_SEPARATOR.join(codes[: i + 1]) + PATH_SEPARATOR for i in range(len(codes))]

    def is_within(self, other):
        return self.path.startswith(other.path)


def label_related(prefix=""):
    """The select_related path that makes `OrgNode.label` free for nodes reached through `prefix` ("org__")."""
    return f"{prefix}parent__parent"


class LevelProxyManager(models.Manager.from_queryset(OrgNodeQuerySet)):
    level = None

    def get_queryset(self):
        return super().get_queryset().filter(level=self.level)


def _level_manager(level):
    return type(f"Level{int(level)}Manager", (LevelProxyManager,), {"level": level})()


class Street(OrgNode):
    objects = _level_manager(Level.STREET)

    class Meta:
        proxy = True
        verbose_name = _("street")
        verbose_name_plural = _("streets")


class Community(OrgNode):
    objects = _level_manager(Level.COMMUNITY)

    class Meta:
        proxy = True
        verbose_name = _("community or village")
        verbose_name_plural = _("communities and villages")


class Grid(OrgNode):
    objects = _level_manager(Level.GRID)

    class Meta:
        proxy = True
        verbose_name = _("grid")
        verbose_name_plural = _("grids")


class BuildingGroup(OrgNode):
    objects = _level_manager(Level.BUILDING_GROUP)

    class Meta:
        proxy = True
        verbose_name = _("building group")
        verbose_name_plural = _("building groups")
