from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "members"
    verbose_name = _("Party members")

    def ready(self):
        from . import jobs  # noqa: F401  (registers the daily jobs with the ledger)

        register_member_count()
        register_phones()


def register_phones():
    """SMS reach a linked member (or applicant) at the phone on the record their branch keeps."""
    from inbox.services import register_phone_source

    from .models import CandidateAccount, MemberAccount

    def record_phones(user_ids):
        phones = dict(CandidateAccount.objects.filter(user_id__in=user_ids).exclude(candidate__phone="")
                      .values_list("user_id", "candidate__phone"))
        phones.update(MemberAccount.objects.filter(user_id__in=user_ids).exclude(member__phone="")
                      .values_list("user_id", "member__phone"))
        return phones

    register_phone_source(record_phones)


def register_member_count():
    """The tree's lists count party members per subtree, link to them, and keep a branch with members."""
    from grids.subtree_counts import register_subtree_count

    from .models import Member

    register_subtree_count(
        "member_count", rows=Member.objects.all, path="org__path", label=_("party members in subtree"),
        url_name="admin:members_member_changelist", url_param="org_subtree",
        refuses_delete=_("Move its party members to another organization first."),
    )
