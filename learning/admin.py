"""Staff author learning in the admin: lessons and contests of their own area (district staff: the district's),
the question bank (district staff). Scoped like every other admin (accounts.admin_scoping)."""

from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scoping import HistoryWriteGuardMixin, ScopedAdminMixin
from accounts.scopes import resolve_scope
from core.errors import PermissionDenied, ValidationError
from grids.models import OrgNode

from . import selectors, services
from .models import Contest, Lesson, Option, Question, Topic


class AreaAdminMixin(ScopedAdminMixin):
    """Objects published to an area (org) or to the whole district (org empty: district staff only)."""

    list_selector = None

    def scoped_queryset(self, request, write=False):
        return type(self).list_selector(user=request.user, write=write)

    def node_of(self, obj):
        return obj.org

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return resolve_scope(request.user).is_staff_user
        return self.scoped_queryset(request).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return resolve_scope(request.user).writes_anywhere
        return services.may_author(request.user, obj.org)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "org":
            scope = resolve_scope(request.user)
            kwargs["queryset"] = OrgNode.objects.filter(scope.nodes_q(write=True))
            kwargs["required"] = not scope.write_all
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not services.may_author(request.user, obj.org):
            raise PermissionDenied(_("You publish only to your own area."))
        if not change:
            obj.created_by = request.user
        obj._history_user = request.user
        super().save_model(request, obj, form, change)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]


@admin.register(Lesson)
class LessonAdmin(AreaAdminMixin, SimpleHistoryAdmin):
    list_selector = staticmethod(selectors.lesson_list)
    list_display = ["title", "kind", "topic", "org", "published_at"]
    list_filter = ["kind", "topic"]
    search_fields = ["title"]
    exclude = ["created_by"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class OptionInline(admin.TabularInline):
    model = Option
    extra = 4


@admin.register(Question)
class QuestionAdmin(HistoryWriteGuardMixin, SimpleHistoryAdmin):
    """The 应知应会 bank: the district's, kept by district staff (model permissions from accounts.backends)."""

    list_display = ["text", "topic", "kind", "active"]
    list_filter = ["topic", "kind", "active"]
    search_fields = ["text"]
    inlines = [OptionInline]
    exclude = ["created_by"]

    def get_queryset(self, request):
        return selectors.question_list(user=request.user, write=True)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj._history_user = request.user
        super().save_model(request, obj, form, change)


@admin.register(Contest)
class ContestAdmin(AreaAdminMixin, SimpleHistoryAdmin):
    list_selector = staticmethod(selectors.contest_list)
    list_display = ["title", "org", "opens_at", "closes_at", "time_limit_minutes", "question_count", "published"]
    list_filter = ["published"]
    search_fields = ["title"]
    exclude = ["created_by", "published"]
    filter_horizontal = ["topics"]
    actions = ["draw_paper", "publish"]

    def _each(self, request, queryset, fn, done):
        ok = 0
        for contest in queryset:
            try:
                fn(actor=request.user, contest=contest)
                ok += 1
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, f"{contest}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
        if ok:
            messages.success(request, done % {"n": ok})

    @admin.action(description=_("Draw the paper from the question bank"))
    def draw_paper(self, request, queryset):
        self._each(request, queryset, services.contest_draw_paper, _("Paper drawn for %(n)s contests."))

    @admin.action(description=_("Publish and tell the members"))
    def publish(self, request, queryset):
        self._each(request, queryset, services.contest_publish, _("%(n)s contests published."))
