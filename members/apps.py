from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "members"
    verbose_name = _("Party members")

    def ready(self):
        from . import jobs  # noqa: F401  (registers the daily jobs with the ledger)

        register_member_count()


def register_member_count():
    """The tree's lists count party members per subtree, link to them, and keep a branch with members."""
    from grids.subtree_counts import register_subtree_count

    from .models import Member

    register_subtree_count(
        "member_count", rows=Member.objects.all, path="org__path", label=_("party members in subtree"),
        url_name="admin:members_member_changelist", url_param="org_subtree",
        refuses_delete=_("Move its party members to another organization first."),
    )
