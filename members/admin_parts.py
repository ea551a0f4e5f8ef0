"""Pieces the members app's admin pages share: the tree filters, read-only inlines, forms whose write is a
service call, and Excel downloads (members.records.exports decides how ID-card numbers show in them)."""

from django.contrib import admin

from core.downloads import sheet, xlsx_download
from core.errors import PermissionDenied, ValidationError
from core.forms import add_service_error
from grids.admin_filters import tree_filter
from grids.models import Level

#: The sidebar filters of lists whose rows point at a node through "org" (their URL parameters: street,
#: community, org_subtree, the last reached from the organization list's member counts).
StreetFilter = tree_filter(Level.STREET, prefix="org__")
CommunityFilter = tree_filter(Level.COMMUNITY, prefix="org__", narrowed_by="street")
SubtreeFilter = tree_filter(prefix="org__")


def xlsx_response(title, headers, rows, file_name):
    """An Excel download of already-scoped rows (the admin action's queryset is the user's changelist); every
    cell goes through core.downloads' escaper."""
    return xlsx_download(sheet(title, headers, rows).export("xlsx"), file_name)


class ReadOnlyInline(admin.TabularInline):
    """Rows written by services (steps, filings, attendance, enrolments): shown on the parent page, not edited."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # Never saved (the parent's services write these rows): the admin's change message still asks what the
        # formset saved.
        return type(formset.__name__, (formset,), {"new_objects": (), "changed_objects": (), "deleted_objects": ()})

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Shown to whoever may see the parent record (its admin decides by scope): secretaries hold no model
        # permission of their own, and without this they saw a meeting without its attendance.
        parent = self.admin_site._registry.get(self.parent_model)
        return parent is not None and parent.has_view_permission(request, obj)


class ServiceFormMixin:
    """Admin forms whose write is a service call made during validation (so its refusals are form errors)."""

    def _service_form(self, form, request, call, renames=None):
        class ServiceForm(form):
            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                try:
                    self._saved = call(self)
                except (ValidationError, PermissionDenied) as exc:
                    add_service_error(self, exc, renames=renames)

        return ServiceForm

    def save_model(self, request, obj, form, change):
        saved = getattr(form, "_saved", None)
        if saved is None:
            return
        if isinstance(saved, type(obj)):
            # The page goes on with `obj` (the "added" message, the permission checks of the next page): it must
            # be the saved record, with what the service filled in (a transfer's branch it leaves, …).
            for field in saved._meta.concrete_fields:
                setattr(obj, field.attname, getattr(saved, field.attname))
            obj._state.adding, obj._state.db = False, saved._state.db
        else:
            obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        pass
