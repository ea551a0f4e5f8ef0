"""The admin's tree filters: one factory for "street", "community" and "anywhere under this node" sidebars."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Level
from .selectors import org_list, under_visible_node

_TITLES = {Level.STREET: _("street"), Level.COMMUNITY: _("community or village")}
_PARAMETERS = {Level.STREET: "street", Level.COMMUNITY: "community"}


def tree_filter(level=None, *, prefix="", parameter_name=None, title=None, narrowed_by=None):
    """A list filter on the tree for a model pointing at a node through `prefix` (e.g. "org__", "" for OrgNode).

    With a `level`, the sidebar lists the visible nodes of that level (narrowed to the children of the node
    chosen in the filter `narrowed_by`, e.g. the street, when it is in use). Without one, it is a subtree
    filter reached from links: shown only while in use, naming the chosen node. Either way the list is cut
    to the chosen node's subtree, and to nothing when the user may not see it.
    """

    class TreeFilter(admin.SimpleListFilter):
        def lookups(self, request, model_admin):
            if level is None:
                # Shown only while in use (Django applies only shown filters).
                value = request.GET.get(self.parameter_name, "")
                if not value.isdigit():
                    return []
                return [(str(n.pk), n.name) for n in org_list(user=request.user).filter(pk=value)]
            nodes = org_list(user=request.user).filter(level=level).order_by("code")
            parent = request.GET.get(narrowed_by) if narrowed_by else None
            if parent:
                nodes = nodes.filter(parent_id=parent) if parent.isdigit() else nodes.none()
            return [(str(n.pk), n.name) for n in nodes.only("pk", "name")]

        def queryset(self, request, queryset):
            if not self.value():
                return queryset
            return under_visible_node(queryset, user=request.user, pk=self.value(), prefix=prefix, level=level)

    TreeFilter.title = title or _TITLES.get(level, _("party organization"))
    TreeFilter.parameter_name = parameter_name or _PARAMETERS.get(level, "org_subtree")
    TreeFilter.__name__ = TreeFilter.__qualname__ = f"TreeFilter_{TreeFilter.parameter_name}"
    return TreeFilter
