"""Reads of the organization tree, always cut to the acting user's scope."""

from django.db.models import OuterRef

from accounts.scopes import resolve_scope
from core.counts import count_of

from .models import OrgNode
from .subtree_counts import subtree_counts


def org_list(*, user, write=False):
    """The tree nodes `user` may see (or, with write=True, change)."""
    return OrgNode.objects.filter(resolve_scope(user).nodes_q(write=write))


def org_subtree(*, user, node):
    """`node` and everything below it, as far as `user` may see: one indexed prefix query."""
    return org_list(user=user).subtree_of(node)


def org_list_with_counts(*, user):
    """Visible nodes annotated with their number of direct children and each registered count of other apps'
    rows in their subtree (grids.subtree_counts: party members as `member_count`, …)."""
    counts = {"children_count": count_of(OrgNode.objects.filter(parent=OuterRef("pk")))}
    for count in subtree_counts():
        counts[count.name] = count_of(count.under(OuterRef("path")))
    return org_list(user=user).annotate(**counts)


def under_visible_node(queryset, *, user, pk, prefix="", level=None):
    """`queryset` cut to the subtree of node `pk` (pointed at through `prefix`, e.g. "org__"), or to nothing
    when `user` may not see that node, it is not of `level`, or `pk` is not an id. Used by list filters."""
    nodes = org_list(user=user)
    if level is not None:
        nodes = nodes.filter(level=level)
    root = nodes.filter(pk=pk).first() if str(pk).isdigit() else None
    if root is None:
        return queryset.none()
    return queryset.filter(**{f"{prefix}path__startswith": root.path})
