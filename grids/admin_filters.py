"""The admin's tree filters: one factory for "street", "community" and "anywhere under this node" sidebars."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Level
from .selectors import org_list, under_visible_node

#: Above this many nodes a level's sidebar searches instead of listing; the longest search text taken.
SIDEBAR_LIMIT = 40
SEARCH_MAX = 40

_TITLES = {Level.STREET: _("street"), Level.COMMUNITY: _("community or village")}
_PARAMETERS = {Level.STREET: "street", Level.COMMUNITY: "community"}


def tree_filter(level=None, *, prefix="", parameter_name=None, title=None, narrowed_by=None):
    """A list filter on the tree for a model pointing at a node through `prefix` (e.g. "org__", "" for OrgNode).

    With a `level`, the sidebar lists the visible nodes of that level (narrowed to the children of the node
    chosen in the filter `narrowed_by`, e.g. the street, when it is in use). Without one, it is a subtree
    filter reached from links: shown only while in use, naming the chosen node. Either way the list is cut
    to the chosen node's subtree, and to nothing when the user may not see it.

    A level with more visible nodes than SIDEBAR_LIMIT (a district's 194 communities, a province's thousands)
    is not listed: the sidebar offers a search box (parameter `<name>_q`) and lists the nodes whose name or
    code matches, so the page does not grow with the province.
    """

    class TreeFilter(admin.SimpleListFilter):
        template = "admin/tree_filter.html"

        def __init__(self, request, params, model, model_admin):
            text = params.pop(self.search_parameter, [""])[-1]
            self.search_text = text.strip()[:SEARCH_MAX]
            self.searching = False
            super().__init__(request, params, model, model_admin)

        def expected_parameters(self):
            return [self.parameter_name, self.search_parameter]

        def has_output(self):
            return self.searching or super().has_output()

        def choices(self, changelist):
            form = self.search_form(changelist) if self.searching else None
            for choice in super().choices(changelist):
                choice["form"] = form  # the template reads the first choice's
                yield choice

        def search_form(self, changelist):
            """The hidden fields that keep the list's other parameters when the sidebar's search is sent."""
            keep = [(k, v) for k, values in sorted(changelist.filter_params.items()) for v in values
                    if k not in (self.parameter_name, self.search_parameter, "p")]
            return {"name": self.search_parameter, "value": self.search_text, "hidden": keep}

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
            listed = list(nodes.only("pk", "name")[: SIDEBAR_LIMIT + 1])
            if len(listed) <= SIDEBAR_LIMIT:
                return [(str(n.pk), n.name) for n in listed]
            self.searching = True
            chosen = self.value()
            if self.search_text:
                found = nodes.filter(Q(name__contains=self.search_text) | Q(code__istartswith=self.search_text))
            elif chosen and chosen.isdigit():
                found = nodes.filter(pk=chosen)
            else:
                return []
            return [(str(n.pk), n.name) for n in found.only("pk", "name")[:SIDEBAR_LIMIT]]

        def queryset(self, request, queryset):
            if not self.value():
                return queryset
            return under_visible_node(queryset, user=request.user, pk=self.value(), prefix=prefix, level=level)

    TreeFilter.title = title or _TITLES.get(level, _("party organization"))
    TreeFilter.parameter_name = parameter_name or _PARAMETERS.get(level, "org_subtree")
    TreeFilter.search_parameter = f"{TreeFilter.parameter_name}_q"
    TreeFilter.__name__ = TreeFilter.__qualname__ = f"TreeFilter_{TreeFilter.parameter_name}"
    return TreeFilter
