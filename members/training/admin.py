"""The admin of party-school classes, enrolments (sign-ins and scores), and the classes' online quizzes with
the members' attempts."""

from django import forms as django_forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scoping import ScopedAdminMixin
from core.errors import ValidationError
from grids.selectors import org_list
from members.admin_parts import ReadOnlyInline, ServiceFormMixin
from members.records.selectors import member_list

from .models import Enrolment, Question, Quiz, QuizAttempt, TrainingClass
from .selectors import enrolment_list, quiz_attempt_list, quiz_list, training_class_list
from .services import (
    quiz_check_questions,
    quiz_save,
    training_class_create,
    training_class_update,
    training_enrol,
    training_quiz_score,
    training_sign_in,
)


class EnrolmentInline(ReadOnlyInline):
    model = Enrolment
    fields = ["member", "hours", "quiz_score"]

    def get_queryset(self, request):
        return enrolment_list(user=request.user)


@admin.register(TrainingClass)
class TrainingClassAdmin(ServiceFormMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    """Party-school classes organized in the user's area or above it (their members attend)."""

    list_display = ["name", "organizer", "starts_on", "ends_on", "planned_hours", "enrolled"]
    list_select_related = ["organizer"]
    search_fields = ["name"]
    show_full_result_count = False
    fields = ["name", "organizer", "starts_on", "ends_on", "planned_hours"]
    inlines = [EnrolmentInline]

    def scoped_queryset(self, request, write=False):
        return training_class_list(user=request.user, write=write)

    def node_of(self, obj):
        return obj.organizer

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return super().has_view_permission(request)
        return training_class_list(user=request.user).filter(pk=obj.pk).exists()

    @admin.display(description=_("enrolled"), ordering="enrolled")
    def enrolled(self, obj):
        return obj.enrolled

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organizer":
            kwargs["queryset"] = org_list(user=request.user, write=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        def save(f):
            values = {name: f.cleaned_data[name] for name in self.fields if name in f.cleaned_data}
            if obj is None:
                return training_class_create(actor=request.user, **values)
            return training_class_update(actor=request.user, training_class=obj, **values)

        return self._service_form(form, request, save)


class EnrolmentAddForm(django_forms.ModelForm):
    class Meta:
        model = Enrolment
        fields = ["training_class", "member"]


@admin.register(Enrolment)
class EnrolmentAdmin(ServiceFormMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Members' enrolments: sign-ins with hours (to 0.1 h) and quiz scores."""

    list_display = ["member", "training_class", "hours", "quiz_score"]
    list_select_related = ["member__org", "training_class"]
    search_fields = ["member__name", "training_class__name"]
    show_full_result_count = False
    autocomplete_fields = ["member"]
    form = EnrolmentAddForm

    def scoped_queryset(self, request, write=False):
        return enrolment_list(user=request.user, write=write)

    def node_of(self, obj):
        return obj.member.org

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["training_class", "member"]
        return ["training_class", "member", "hours", "quiz_score", "what", "on", "value"]

    def get_readonly_fields(self, request, obj=None):
        return ["training_class", "member", "hours", "quiz_score"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "member":
            kwargs["queryset"] = member_list(user=request.user, write=True)
        if db_field.name == "training_class":
            kwargs["queryset"] = training_class_list(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            form = super().get_form(request, obj, **kwargs)
            return self._service_form(form, request, lambda f: training_enrol(
                actor=request.user, training_class=f.cleaned_data["training_class"],
                members=[f.cleaned_data["member"]]).get())
        kwargs["fields"] = []
        base = super().get_form(request, obj, **kwargs)

        class RecordForm(base):
            what = django_forms.ChoiceField(label=_("record"), choices=[("sign_in", _("Sign-in (hours)")),
                                                                       ("quiz", _("Quiz score"))])
            on = django_forms.DateField(label=_("date"), required=False,
                                        widget=django_forms.DateInput(attrs={"type": "date"}))
            value = django_forms.DecimalField(label=_("hours or score"), max_digits=4, decimal_places=1)

        def record(f):
            data = f.cleaned_data
            if data["what"] == "quiz":
                return training_quiz_score(actor=request.user, enrolment=obj, score=data["value"])
            if not data.get("on"):
                raise ValidationError({"on": [_("Give the date of the sign-in.")]})
            return training_sign_in(actor=request.user, enrolment=obj, on=data["on"], hours=data["value"])

        return self._service_form(RecordForm, request, record)


CHOICE_LETTERS = "ABCD"


class QuestionForm(django_forms.ModelForm):
    """A question with its (up to four) choices and which one is correct, edited on one line."""

    choice_a = django_forms.CharField(label=_("choice A"), max_length=200, required=False)
    choice_b = django_forms.CharField(label=_("choice B"), max_length=200, required=False)
    choice_c = django_forms.CharField(label=_("choice C"), max_length=200, required=False)
    choice_d = django_forms.CharField(label=_("choice D"), max_length=200, required=False)
    correct = django_forms.ChoiceField(label=_("correct choice"), required=False,
                                       choices=[("", "—")] + [(c, c) for c in CHOICE_LETTERS])

    class Meta:
        model = Question
        fields = ["order", "text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for letter, choice in zip(CHOICE_LETTERS, self.instance.choices.all()):
                self.initial[f"choice_{letter.lower()}"] = choice.text
                if choice.correct:
                    self.initial["correct"] = letter

    def question_data(self):
        data = self.cleaned_data
        return {"text": data.get("text") or "", "order": data.get("order"),
                "choices": [(data.get(f"choice_{letter.lower()}") or "", data.get("correct") == letter)
                            for letter in CHOICE_LETTERS]}


class QuestionFormSet(django_forms.BaseInlineFormSet):
    locked = False

    def clean(self):
        super().clean()
        self.questions_data = None
        if self.locked or any(self.errors):
            return
        data = [form.question_data() for form in self.forms
                if form.cleaned_data and not self._should_delete_form(form)]
        try:
            quiz_check_questions(data)
        except ValidationError as exc:
            raise django_forms.ValidationError(exc.messages) from None
        self.questions_data = data


class QuestionInline(admin.TabularInline):
    """The quiz's questions; fixed (read-only) once a member has made an attempt."""

    model = Question
    form = QuestionForm
    formset = QuestionFormSet
    extra = 3

    def _locked(self, obj):
        if obj is None:
            return False
        if not hasattr(obj, "_questions_locked"):  # asked by several admin hooks in one request
            obj._questions_locked = obj.attempts.exists()
        return obj._questions_locked

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("choices")

    def get_fields(self, request, obj=None):
        if self._locked(obj):
            return ["order", "text", "choices_display"]
        return ["order", "text", "choice_a", "choice_b", "choice_c", "choice_d", "correct"]

    def get_readonly_fields(self, request, obj=None):
        return ["order", "text", "choices_display"] if self._locked(obj) else []

    @admin.display(description=_("choices"))
    def choices_display(self, obj):
        return " / ".join(f"{letter}. {c.text}{' ✓' if c.correct else ''}"
                          for letter, c in zip(CHOICE_LETTERS, obj.choices.all()))

    def get_formset(self, request, obj=None, **kwargs):
        locked = self._locked(obj)
        if locked:
            kwargs["form"] = django_forms.ModelForm
        formset = super().get_formset(request, obj, **kwargs)
        formset.locked = locked
        return formset

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj is not None else self.extra

    def has_view_permission(self, request, obj=None):
        return True  # the quiz's own admin has already decided who sees the quiz

    def has_add_permission(self, request, obj=None):
        return not self._locked(obj)

    def has_change_permission(self, request, obj=None):
        return not self._locked(obj)

    def has_delete_permission(self, request, obj=None):
        return not self._locked(obj)


@admin.register(Quiz)
class QuizAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Online quizzes of party-school classes, built by the class organizer's area: single-choice questions,
    open for a window; members take them on their phone and the server scores them."""

    list_display = ["title", "training_class", "opens_at", "closes_at", "attempts_allowed", "pass_mark",
                    "question_count", "attempt_count"]
    list_select_related = ["training_class__organizer"]
    search_fields = ["title", "training_class__name"]
    show_full_result_count = False
    fields = ["training_class", "title", "opens_at", "closes_at", "attempts_allowed", "pass_mark"]
    inlines = [QuestionInline]

    def scoped_queryset(self, request, write=False):
        return quiz_list(user=request.user, write=write)

    def node_of(self, obj):
        return obj.training_class.organizer

    @admin.display(description=_("questions"), ordering="question_count")
    def question_count(self, obj):
        return obj.question_count

    @admin.display(description=_("attempts"), ordering="attempt_count")
    def attempt_count(self, obj):
        return obj.attempt_count

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "training_class":
            kwargs["queryset"] = training_class_list(user=request.user, write=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["training_class"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        # Attempts count towards enrolments' scores: a quiz taken by anyone stays.
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.attempts.exists())

    def save_model(self, request, obj, form, change):
        pass  # saved with its questions in save_related, through the service

    def save_related(self, request, form, formsets, change):
        questions = next((fs.questions_data for fs in formsets if isinstance(fs, QuestionFormSet)), None)
        quiz_save(actor=request.user, quiz=form.instance, questions=questions)
        for formset in formsets:  # written by the service, not formset.save(): nothing for the change message
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request, obj):
        obj._history_user = request.user
        super().delete_model(request, obj)


@admin.register(QuizAttempt)
class QuizAttemptAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Members' quiz attempts with their scores, for the secretaries of their area (read-only: the server scored
    them when the member submitted)."""

    list_display = ["submitted_at", "member_name", "org_name", "quiz", "number", "score", "passed"]
    search_fields = ["enrolment__member__name", "quiz__title"]
    show_full_result_count = False
    date_hierarchy = "submitted_at"
    ordering = ["-submitted_at", "-pk"]
    fields = ["quiz", "member_name", "org_name", "number", "score", "passed", "submitted_at"]
    readonly_fields = fields

    def scoped_queryset(self, request, write=False):
        return quiz_attempt_list(user=request.user)

    def node_of(self, obj):
        return obj.enrolment.member.org

    @admin.display(description=_("party member"), ordering="enrolment__member__name")
    def member_name(self, obj):
        return obj.enrolment.member.name

    @admin.display(description=_("party organization"), ordering="enrolment__member__org__path")
    def org_name(self, obj):
        return obj.enrolment.member.org.name

    @admin.display(description=_("Passed"), boolean=True)
    def passed(self, obj):
        return obj.score >= obj.quiz.pass_mark

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Nobody may change an attempt, so Django would answer a foreign one's POST with 403 and so confirm it
        # exists: look it up in the user's scope first (404).
        self._require_in_scope(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
