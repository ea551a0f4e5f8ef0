from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scoping import ScopedAdminMixin
from accounts.scopes import resolve_scope

from . import services
from .admin_filters import tree_filter
from .forms import OrgNodeForm
from .models import BuildingGroup, Community, Grid, Level, OrgNode, Street, label_related
from .selectors import org_list, org_list_with_counts
from .subtree_counts import subtree_counts


#: The street sidebar: the visible streets; the list cut to the chosen one's subtree.
StreetFilter = tree_filter(Level.STREET)


class ParentFilter(tree_filter(parameter_name="parent__id__exact", title=_("parent organization"))):
    """Reached from the "organizations below" links: named in the sidebar like a subtree filter, but it keeps the
    direct children of the node only."""

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(parent_id=value) if value.isdigit() else queryset.none()


def _count_column(count):
    """The admin column of a registered subtree count: the number, linking to the app's list cut to the subtree."""

    @admin.display(description=count.label, ordering=count.name)
    def column(obj):
        value = getattr(obj, count.name)
        if not value or not count.url_name:
            return value or 0
        url = reverse(count.url_name) + f"?{count.url_param}={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, value)

    column.__name__ = column.__qualname__ = f"{count.name}_display"
    return column


class OrgNodeAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    form = OrgNodeForm
    list_display = ["code", "name", "kind", "level", "parent_link", "children_link"]
    list_filter = ["level", "kind", StreetFilter, ParentFilter]
    search_fields = ["=code", "code", "name"]
    list_select_related = ["parent"]
    list_per_page = 50
    show_full_result_count = False
    autocomplete_fields = ["parent"]
    readonly_fields = ["level", "path", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["code", "name", "kind", "parent", "level"]}),
        (_("Secretary and contact"), {"fields": ["secretary_name", "secretary_phone", "address"]}),
        (_("Record"), {"fields": ["path", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    level = None

    @property
    def add_level(self):
        return self.level or Level.BUILDING_GROUP

    def scoped_queryset(self, request, write=False):
        qs = org_list_with_counts(user=request.user) if not write else org_list(user=request.user, write=True)
        return qs.filter(level=self.level) if self.level else qs

    def node_of(self, obj):
        return obj

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("code")
            if resolve_scope(request.user).is_grant_root(obj):
                fields.append("parent")
        return fields

    def get_search_results(self, request, queryset, search_term):
        # The parent picker (autocomplete) must offer only nodes the user may change.
        if request.path.endswith("/autocomplete/"):
            queryset = (queryset & org_list(user=request.user, write=True)).select_related(label_related())
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("parent organization"), ordering="parent__path")
    def parent_link(self, obj):
        if obj.parent is None:
            return "—"
        return format_html('<a href="?parent__id__exact={}">{}</a>', obj.parent_id, obj.parent.name)

    @admin.display(description=_("organizations below"), ordering="children_count")
    def children_link(self, obj):
        if not obj.children_count:
            return 0
        url = reverse("admin:grids_orgnode_changelist") + f"?parent__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.children_count)

    def get_list_display(self, request):
        # Then a column per count other apps register (party members in the subtree, …).
        return [*self.list_display, *(_count_column(count) for count in subtree_counts())]

    def save_model(self, request, obj, form, change):
        data = {k: form.cleaned_data.get(k) for k in ("secretary_name", "secretary_phone", "address")}
        if not change:
            node = services.org_create(
                actor=request.user,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                parent=form.cleaned_data.get("parent"),
                **data,
            )
            obj.pk, obj.level, obj.path = node.pk, node.level, node.path
            return
        original = OrgNode.objects.get(pk=obj.pk)
        if "parent" in form.changed_data:
            data["new_parent"] = form.cleaned_data["parent"]
        services.org_change(
            actor=request.user, node=original, name=form.cleaned_data["name"], kind=form.cleaned_data["kind"], **data
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = org_list(user=request.user, write=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def delete_model(self, request, obj):
        services.org_delete(actor=request.user, node=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for node in queryset.order_by("-level"):
                services.org_delete(actor=request.user, node=node)


admin.site.register(OrgNode, OrgNodeAdmin)


class LevelAdminMixin:
    """The per-level lists are proxies of OrgNode: their history lives on OrgNode's pages."""

    def history_view(self, request, object_id, extra_context=None):
        return redirect(reverse("admin:grids_orgnode_history", args=[object_id]))

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        return redirect(reverse("admin:grids_orgnode_simple_history", args=[object_id, version_id]))


def _level_admin(model, level):
    attrs = {"level": level, "list_filter": ["kind", StreetFilter, ParentFilter] if level > Level.STREET else []}
    return type(f"{model.__name__}Admin", (LevelAdminMixin, OrgNodeAdmin), attrs)


for _model, _level in ((Street, Level.STREET), (Community, Level.COMMUNITY), (Grid, Level.GRID),
                       (BuildingGroup, Level.BUILDING_GROUP)):
    admin.site.register(_model, _level_admin(_model, _level))


class OrgNodeAutocomplete(AutocompleteJsonView):
    """The admin's pickers name a grid or building group with its community ("省委社区 · 第一网格（S01C01G01）"):
    第一网格 alone is one of hundreds."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        if isinstance(obj, OrgNode):
            result["text"] = f"{obj.label}（{obj.code}）"
        return result


def _autocomplete_view(request):
    return OrgNodeAutocomplete.as_view(admin_site=admin.site)(request)


# The admin site builds its URLs after every admin module is loaded, so its autocomplete route takes this view.
admin.site.autocomplete_view = _autocomplete_view
