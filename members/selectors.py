"""Reads of member records, always cut to the acting user's scope."""

from accounts.scopes import resolve_scope

from .models import Member


def member_list(*, user, write=False):
    """Members `user` may see (or change, with write=True), with their organization joined in."""
    scope = resolve_scope(user)
    return Member.objects.filter(scope.nodes_q(write=write, prefix="org__")).select_related("org")


def member_can_reveal(*, user, member):
    """Whether `user` may see this member's full ID-card number and phone (only where they may change it)."""
    return resolve_scope(user).covers(member.org, write=True)
