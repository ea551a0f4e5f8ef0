"""Reads of transfers, seen from either side."""

from accounts.scopes import resolve_scope

from .models import Transfer


def transfer_list(*, user, write=False):
    """Transfers the user sees from either side: sent from, or to, a branch in their scope (with write=True, a
    branch they may change)."""
    scope = resolve_scope(user)
    either_side = scope.nodes_q(write=write, prefix="from_org__") | scope.nodes_q(write=write, prefix="to_org__")
    return Transfer.objects.filter(either_side).select_related("member", "from_org", "to_org", "sent_by")
