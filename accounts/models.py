from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase


class Role(models.TextChoices):
    DISTRICT_STAFF = "district_staff", _("District staff")
    STREET_SECRETARY = "street_secretary", _("Street secretary")
    COMMUNITY_SECRETARY = "community_secretary", _("Community secretary")
    GRID_LEADER = "grid_leader", _("Grid or building-group leader")
    INSPECTOR = "inspector", _("Inspector")
    CENTER_STAFF = "center_staff", _("Service-center staff")
    RESIDENT = "resident", _("Resident")


#: Roles granted on a node of the tree; the grant covers the node's whole subtree.
NODE_ROLES = (Role.STREET_SECRETARY, Role.COMMUNITY_SECRETARY, Role.GRID_LEADER)
#: The tree level each node role is granted on (a grid leader may hold a grid or a building group).
NODE_ROLE_LEVELS = {
    Role.STREET_SECRETARY: (1,),
    Role.COMMUNITY_SECRETARY: (2,),
    Role.GRID_LEADER: (3, 4),
}
#: Roles granted on a service center (RoleGrant.center_id); the grant covers that center only.
CENTER_ROLES = (Role.CENTER_STAFF,)


class RoleGrant(models.Model):
    """A role held by a user, on a tree node where the role is node-scoped.

    This table is the one source of data scope: see accounts/scopes.py.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    node = models.ForeignKey(
        "grids.OrgNode",
        verbose_name=_("party organization"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_grants",
    )
    #: The service center of a center role, by id: accounts sits below the app that owns the centers, which
    #: names them (accounts.centers) and keeps the reference whole (servicecenters' migration 0003 adds the
    #: PostgreSQL foreign key, ON DELETE CASCADE).
    center_id = models.BigIntegerField(_("service center"), null=True, blank=True, db_index=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "node"], name="rolegrant_unique",
                violation_error_message=_("This user already has this role here."),
            ),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(node__isnull=True, center_id__isnull=True),
                name="rolegrant_unique_global",
                violation_error_message=_("This user already has this role."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "center_id"], condition=Q(center_id__isnull=False),
                name="rolegrant_unique_center",
                violation_error_message=_("This user already has this role at this service center."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in NODE_ROLES], node__isnull=False)
                | (~Q(role__in=[r.value for r in NODE_ROLES]) & Q(node__isnull=True)),
                name="rolegrant_node_iff_node_role",
                violation_error_message=_("A secretary or grid leader is given an organization; other roles are not."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in CENTER_ROLES], center_id__isnull=False)
                | (~Q(role__in=[r.value for r in CENTER_ROLES]) & Q(center_id__isnull=True)),
                name="rolegrant_center_iff_center_role",
                violation_error_message=_("Center staff are given a service center; other roles are not."),
            ),
        ]

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.role in NODE_ROLES:
            if self.node_id is None:
                raise ValidationError({"node": _("This role is granted on a party organization: choose one.")})
            if self.node.level not in NODE_ROLE_LEVELS[self.role]:
                raise ValidationError({"node": _("This role is granted on an organization of another level.")})
        elif self.node_id is not None:
            raise ValidationError({"node": _("This role covers no particular organization: leave it empty.")})
        if self.role in CENTER_ROLES and self.center_id is None:
            raise ValidationError({"center_id": _("This role is granted on a service center: choose one.")})
        if self.role not in CENTER_ROLES and self.center_id is not None:
            raise ValidationError({"center_id": _("This role covers no service center: leave it empty.")})

    def __str__(self):
        if self.node_id:
            return f"{self.user} · {self.get_role_display()} · {self.node}"
        if self.center_id:
            from .centers import center_label

            return f"{self.user} · {self.get_role_display()} · {center_label(self.center_id)}"
        return f"{self.user} · {self.get_role_display()}"


class OrgNodeUserObjectPermission(UserObjectPermissionBase):
    """Object-level exceptions (django-guardian) with a direct foreign key, not the generic table."""

    content_object = models.ForeignKey("grids.OrgNode", on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("object permission on an organization")
        verbose_name_plural = _("object permissions on organizations")
