"""The admin's side of data scope: every ModelAdmin of a scoped model mixes this in."""

from django.http import Http404

from core.forms import ServiceErrorsAdminMixin

from .scopes import resolve_scope


class ScopedAdminMixin(ServiceErrorsAdminMixin):
    """Querysets come from the app's selector; permissions come from the user's scope, not model perms.
    A service's refusal raised while saving is shown on the form (core.forms.ServiceErrorsAdminMixin).

    Subclasses implement `scoped_queryset(request, write=False)` and `node_of(obj)`.
    A foreign object's URL answers 404: its existence is private.
    """

    #: The tree level of the objects this admin adds (None: not a tree admin). A user may add an
    #: object of level L only with write scope on a node above L (a community secretary adds grids,
    #: not communities).
    add_level = None

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

    def _require_in_scope(self, request, object_id):
        if not str(object_id).isdigit() or not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history checks the old version; the object as it is now must be in scope too.
        self._require_in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)
