"""The admin's side of data scope: every ModelAdmin of a scoped model mixes this in."""

from functools import reduce
from operator import or_

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from simple_history.template_utils import HistoricalRecordContextHelper

from core.forms import ServiceErrorsAdminMixin
from core.pagination import BoundedCountPaginator

from .scopes import resolve_scope

#: What Django's own field list filters put in a URL after the field's path (`status__exact`, `org__id__exact`,
#: `joined_on__gte`, `year__isnull`, …), and a date hierarchy after its field.
FIELD_FILTER_SUFFIXES = frozenset({
    "exact", "isnull", "isempty", "in", "gte", "lt", "id__exact", "id__isnull", "id__in", "year", "month", "day",
})

#: Set on the request by the history pages: whether the user may change the object as it is now.
_MAY_CHANGE_NOW = "_jinshui_may_change_now"


class MaskingHistoryHelper(HistoricalRecordContextHelper):
    """The changes listed on a history page, with personal fields masked."""

    def __init__(self, model, historical_record, *, masks, **kwargs):
        super().__init__(model, historical_record, **kwargs)
        self.masks = masks

    def prepare_delta_change_value(self, change, value):
        mask = self.masks.get(change.field)
        if mask is not None:
            return mask(value)
        return super().prepare_delta_change_value(change, value)


class HistoryWriteGuardMixin:
    """For an admin with history that is not scoped by the tree (district-only pages, read-only lists):
    simple-history's history form checks a view permission only and saves on POST, so a POST needs the right
    to change the object as it is now. (ScopedAdminMixin has the same guard, with masking.)"""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            current = self.get_object(request, object_id) if str(object_id).isdigit() else None
            if current is None or not self.has_change_permission(request, current):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ScopedAdminMixin(ServiceErrorsAdminMixin):
    """Querysets come from the app's selector; permissions come from the user's scope, not model perms.
    A service's refusal raised while saving is shown on the form (core.forms.ServiceErrorsAdminMixin).

    Subclasses implement `scoped_queryset(request, write=False)` and `node_of(obj)`.
    A foreign object's URL answers 404: its existence is private.

    Lists narrow only through what the admin declares: its list filters, its search, ordering and pages. Any
    other query-string lookup (`?phone__regex=^130`, `?id_number__startswith=`, `?birth_date=`) is refused
    (400), so that no list answers yes or no about a value it does not show.

    History pages: saving an old version (simple-history's revert form) needs the right to change the object as
    it is now, and the write goes through the admin's form, that is through the service. Personal fields
    (`masked_fields`) show masked on history pages to whoever may not change the object.
    """

    #: Page counts exact up to 10,000 rows, estimated above (a province-wide list is not counted row by row).
    paginator = BoundedCountPaginator

    #: The tree level of the objects this admin adds (None: not a tree admin). A user may add an
    #: object of level L only with write scope on a node above L (a community secretary adds grids,
    #: not communities).
    add_level = None

    #: Personal fields and how each shows to whoever may not change the record: {field: mask function}.
    masked_fields = {}

    #: Fields searched for a full value (ID-card number, phone): matched only among the rows the user may change,
    #: never for a user who would see them masked (they search by name and organization).
    private_search_fields = ()

    def scoped_queryset(self, request, write=False):
        raise NotImplementedError

    def node_of(self, obj):
        raise NotImplementedError

    def get_queryset(self, request):
        qs = self.scoped_queryset(request)
        ordering = self.get_ordering(request)
        return qs.order_by(*ordering) if ordering else qs

    def _scope(self, request):
        return resolve_scope(request.user)

    def has_module_permission(self, request):
        return self._scope(request).is_staff_user

    def has_view_permission(self, request, obj=None):
        scope = self._scope(request)
        if obj is None:
            return scope.is_staff_user
        return scope.covers(self.node_of(obj))

    def has_change_permission(self, request, obj=None):
        scope = self._scope(request)
        if obj is None:
            return scope.writes_anywhere
        return scope.covers(self.node_of(obj), write=True)

    def has_add_permission(self, request):
        scope = self._scope(request)
        if scope.write_all:
            return True
        if self.add_level is None:
            return bool(scope.write_paths)
        return any(path.count("/") - 1 < self.add_level for path in scope.write_paths)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

    # --- personal data -----------------------------------------------------------------------------------

    def shows_in_full(self, request, obj):
        """Whether `obj`'s personal fields show unmasked: only to whoever may change it (on a history page: as
        it is now, not as the old version was)."""
        decided = getattr(request, _MAY_CHANGE_NOW, None)
        if decided is not None:
            return decided
        return obj is not None and obj.pk is not None and self.has_change_permission(request, obj)

    def seen_in_full(self, request, obj):
        """Called when a page shows `obj`'s personal fields in full (the member admin records it)."""

    # --- lists: declared filters and search only ---------------------------------------------------------

    def _declared_filters(self, request):
        names, paths = set(), set()
        for item in self.get_list_filter(request):
            if isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
                names.add(item.parameter_name)
                if getattr(item, "search_parameter", None):  # a tree filter's search box (grids.admin_filters)
                    names.add(item.search_parameter)
            elif isinstance(item, (list, tuple)):
                paths.add(item[0])
            elif isinstance(item, str):
                paths.add(item)
        if self.date_hierarchy:
            paths.add(self.date_hierarchy)
        return names, paths

    def lookup_allowed(self, lookup, value, request=None):
        names, paths = self._declared_filters(request)
        if lookup in names or lookup in paths:  # a SimpleListFilter's parameter; "all values" field filters
            return True
        return any(lookup.startswith(path + "__") and lookup[len(path) + 2:] in FIELD_FILTER_SUFFIXES
                   for path in paths)

    def get_search_fields(self, request):
        private = set(self.private_search_fields)
        return [f for f in super().get_search_fields(request) if f.lstrip("=^@") not in private]

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().upper()
        if self.private_search_fields and term and " " not in term:
            matches = reduce(or_, (Q(**{name: term}) for name in self.private_search_fields))
            writable = self.scoped_queryset(request, write=True).filter(matches).values("pk")
            found = found | queryset.filter(pk__in=writable)
        return found, may_have_duplicates

    # --- history pages -------------------------------------------------------------------------------------

    def _current(self, request, object_id):
        """The object as it is now, if the user may see it (else 404)."""
        if not str(object_id).isdigit():
            raise Http404
        obj = self.get_queryset(request).filter(pk=object_id).first()
        if obj is None:
            raise Http404
        return obj

    def _require_in_scope(self, request, object_id):
        self._current(request, object_id)

    def history_view(self, request, object_id, extra_context=None):
        current = self._current(request, object_id)
        may_change = self.has_change_permission(request, current)
        setattr(request, _MAY_CHANGE_NOW, may_change)
        if may_change and self.masked_fields:
            self.seen_in_full(request, current)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history checks the old version for a view permission only, and saves on POST: the object as it
        # is now must be in scope, and a save needs the right to change it (the form's write is the service's).
        current = self._current(request, object_id)
        may_change = self.has_change_permission(request, current)
        if request.method == "POST" and not may_change:
            raise PermissionDenied
        setattr(request, _MAY_CHANGE_NOW, may_change)
        if may_change and self.masked_fields and request.method == "GET":
            self.seen_in_full(request, current)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        decided = getattr(request, _MAY_CHANGE_NOW, None)
        if decided is False:
            return True
        return super().revert_disabled(request, obj)

    def get_historical_record_context_helper(self, request, historical_record):
        if self.masked_fields and not getattr(request, _MAY_CHANGE_NOW, False):
            return MaskingHistoryHelper(self.model, historical_record, masks=self.masked_fields)
        return super().get_historical_record_context_helper(request, historical_record)
