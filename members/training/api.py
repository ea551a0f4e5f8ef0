"""REST API of training 党校培训: party-school classes (organized in the caller's area or above it), members'
enrolments with their sign-ins and scores, the classes' online quizzes and the members' attempts.

`POST /api/v1/training-classes/` opens a class, `PATCH` changes it, `POST …/enrol/` enrols members;
`POST /api/v1/enrolments/<id>/sign-in/` records a day's hours and `…/score/` a quiz score by hand. Quizzes and
attempts are read here (quizzes are built in the admin; members take them on their phone). Writes go through
members.training.services, reads through its selectors."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import BoundedDateField, error_responses
from grids.selectors import org_list
from members.api_common import MemberWorkViewSet, tree_filterset
from members.records.models import Member
from members.records.selectors import member_list

from . import services
from .models import Enrolment, Question, Quiz, QuizAttempt, TrainingClass
from .selectors import enrolment_list, quiz_attempt_list, quiz_list, training_class_list

HOURS = {"max_digits": 4, "decimal_places": 1}


class TrainingClassSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    organizer = serializers.IntegerField(source="organizer_id", read_only=True)
    organizer_name = serializers.CharField(source="organizer.name", read_only=True)
    starts_on = serializers.DateField(read_only=True)
    ends_on = serializers.DateField(read_only=True)
    planned_hours = serializers.DecimalField(read_only=True, **HOURS)
    enrolled = serializers.IntegerField(read_only=True)


class TrainingClassInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    organizer = serializers.PrimaryKeyRelatedField(queryset=org_list(user=None), help_text=_(
        "The street or community organizing the class (one the caller may change)."))
    starts_on = BoundedDateField()
    ends_on = BoundedDateField()
    planned_hours = serializers.DecimalField(min_value=0, **HOURS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["organizer"].queryset = org_list(user=request.user, write=True)


class EnrolSerializer(serializers.Serializer):
    members = serializers.PrimaryKeyRelatedField(queryset=Member.objects.none(), many=True, allow_empty=False,
                                                 help_text=_("Party members the caller may change (ids)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["members"].child_relation.queryset = member_list(user=request.user, write=True)


class EnrolmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    training_class = serializers.IntegerField(source="training_class_id", read_only=True)
    training_class_name = serializers.CharField(source="training_class.name", read_only=True)
    member = serializers.IntegerField(source="member_id", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)
    org_name = serializers.CharField(source="member.org.name", read_only=True)
    hours = serializers.DecimalField(read_only=True, **HOURS)
    quiz_score = serializers.DecimalField(read_only=True, allow_null=True, **HOURS)


class SignInSerializer(serializers.Serializer):
    on = BoundedDateField(help_text=_("The day attended (within the class's dates)."))
    hours = serializers.DecimalField(min_value=0, help_text=_("Between 0.1 and 12 hours."), **HOURS)


class ScoreSerializer(serializers.Serializer):
    quiz_score = serializers.DecimalField(min_value=0, max_value=100, **HOURS)


class ChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)
    correct = serializers.BooleanField(read_only=True)


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)
    order = serializers.IntegerField(read_only=True)
    choices = ChoiceSerializer(many=True, read_only=True)


class QuizSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    training_class = serializers.IntegerField(source="training_class_id", read_only=True)
    training_class_name = serializers.CharField(source="training_class.name", read_only=True)
    title = serializers.CharField(read_only=True)
    opens_at = serializers.DateTimeField(read_only=True)
    closes_at = serializers.DateTimeField(read_only=True)
    attempts_allowed = serializers.IntegerField(read_only=True)
    pass_mark = serializers.DecimalField(read_only=True, **HOURS)
    question_count = serializers.IntegerField(read_only=True)
    attempt_count = serializers.IntegerField(read_only=True)


class QuizDetailSerializer(QuizSerializer):
    questions = QuestionSerializer(many=True, read_only=True)


class QuizAttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    quiz = serializers.IntegerField(source="quiz_id", read_only=True)
    quiz_title = serializers.CharField(source="quiz.title", read_only=True)
    member = serializers.IntegerField(source="enrolment.member_id", read_only=True)
    member_name = serializers.CharField(source="enrolment.member.name", read_only=True)
    org_name = serializers.CharField(source="enrolment.member.org.name", read_only=True)
    number = serializers.IntegerField(read_only=True)
    score = serializers.DecimalField(read_only=True, **HOURS)
    passed = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(read_only=True)

    def get_passed(self, obj) -> bool:
        return obj.score >= obj.quiz.pass_mark


class TrainingClassFilter(filters.FilterSet):
    organizer = filters.NumberFilter(field_name="organizer_id")
    starts_after = filters.DateFilter(field_name="starts_on", lookup_expr="gte")

    class Meta:
        model = TrainingClass
        fields = ["organizer", "starts_after"]


CLASS_ERRORS = error_responses(400, 403, 404)


@extend_schema_view(
    list=extend_schema(summary=_("List party-school classes"), description=_(
        "Classes organized in the caller's area or above it, with the number enrolled."),
        responses={200: TrainingClassSerializer(many=True), **error_responses(400)}),
    retrieve=extend_schema(summary=_("A party-school class"), responses={200: TrainingClassSerializer,
                                                                         **error_responses(404)}),
    create=extend_schema(summary=_("Open a party-school class"), request=TrainingClassInputSerializer,
                         responses={201: TrainingClassSerializer, **error_responses(400, 403)}),
    partial_update=extend_schema(summary=_("Change a party-school class"), request=TrainingClassInputSerializer,
                                 responses={200: TrainingClassSerializer, **CLASS_ERRORS}),
)
class TrainingClassViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MemberWorkViewSet):
    selector = training_class_list
    serializer_class = TrainingClassSerializer
    filterset_class = TrainingClassFilter
    search_fields = ["name"]
    ordering_fields = ["starts_on", "name", "id"]
    ordering = ["-starts_on", "name", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request):
        data = self.body(TrainingClassInputSerializer)
        training = services.training_class_create(actor=request.user, **data)
        return Response(TrainingClassSerializer(self.fresh(training)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        training = self.get_object()
        changes = self.body(TrainingClassInputSerializer, partial=True)
        training = services.training_class_update(actor=request.user, training_class=training, **changes)
        return Response(TrainingClassSerializer(self.fresh(training)).data)

    @extend_schema(summary=_("Enrol members in a class"), description=_(
        "Members already enrolled are left as they are; the answer lists the enrolments of the members given."),
        request=EnrolSerializer, responses={200: EnrolmentSerializer(many=True), **CLASS_ERRORS})
    @action(detail=True, methods=["post"])
    def enrol(self, request, pk=None):
        training = self.get_object()
        data = self.body(EnrolSerializer)
        enrolments = services.training_enrol(actor=request.user, training_class=training, members=data["members"])
        rows = enrolments.select_related("member__org", "training_class").order_by("member__name", "pk")
        return Response(EnrolmentSerializer(rows, many=True).data)


class EnrolmentFilter(tree_filterset("member__org__")):
    training_class = filters.NumberFilter(field_name="training_class_id")
    member = filters.NumberFilter(field_name="member_id")

    class Meta:
        model = Enrolment
        fields = ["training_class", "member", "street", "community", "subtree"]


@extend_schema_view(
    list=extend_schema(summary=_("List enrolments"), description=_(
        "Enrolments of the members of the caller's area, whoever organized the class."),
        responses={200: EnrolmentSerializer(many=True), **error_responses(400)}),
    retrieve=extend_schema(summary=_("An enrolment"), responses={200: EnrolmentSerializer, **error_responses(404)}),
)
class EnrolmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MemberWorkViewSet):
    selector = enrolment_list
    serializer_class = EnrolmentSerializer
    filterset_class = EnrolmentFilter
    search_fields = ["member__name", "training_class__name"]
    ordering_fields = ["hours", "id"]
    ordering = ["training_class_id", "member__name", "id"]

    @extend_schema(summary=_("Record a day's attendance at a class"), description=_(
        "Hours to 0.1 h, once a day, within the class's dates; the enrolment's hours are the sum."),
        request=SignInSerializer, responses={201: EnrolmentSerializer, **CLASS_ERRORS})
    @action(detail=True, methods=["post"], url_path="sign-in")
    def sign_in(self, request, pk=None):
        enrolment = self.get_object()
        data = self.body(SignInSerializer)
        enrolment = services.training_sign_in(actor=request.user, enrolment=enrolment, **data)
        return Response(EnrolmentSerializer(self.fresh(enrolment)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Record a quiz score by hand"), request=ScoreSerializer,
                   responses={200: EnrolmentSerializer, **CLASS_ERRORS})
    @action(detail=True, methods=["post"])
    def score(self, request, pk=None):
        enrolment = self.get_object()
        data = self.body(ScoreSerializer)
        enrolment = services.training_quiz_score(actor=request.user, enrolment=enrolment, score=data["quiz_score"])
        return Response(EnrolmentSerializer(self.fresh(enrolment)).data)


class QuizFilter(filters.FilterSet):
    training_class = filters.NumberFilter(field_name="training_class_id")

    class Meta:
        model = Quiz
        fields = ["training_class"]


@extend_schema_view(
    list=extend_schema(summary=_("List online quizzes"), description=_(
        "Quizzes of the classes organized in the caller's area, with their question and attempt counts."),
        responses={200: QuizSerializer(many=True), **error_responses(400)}),
    retrieve=extend_schema(summary=_("An online quiz with its questions and the right answers"),
                           responses={200: QuizDetailSerializer, **error_responses(404)}),
)
class QuizViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MemberWorkViewSet):
    selector = quiz_list
    serializer_class = QuizSerializer
    filterset_class = QuizFilter
    search_fields = ["title", "training_class__name"]
    ordering_fields = ["opens_at", "id"]
    ordering = ["-opens_at", "id"]

    def get_queryset(self):
        queryset = quiz_list(user=self.request.user)
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(Prefetch(
                "questions", queryset=Question.objects.prefetch_related("choices")))
        return queryset

    def get_serializer_class(self):
        return QuizDetailSerializer if self.action == "retrieve" else QuizSerializer


class QuizAttemptFilter(tree_filterset("enrolment__member__org__")):
    quiz = filters.NumberFilter(field_name="quiz_id")

    class Meta:
        model = QuizAttempt
        fields = ["quiz", "street", "community", "subtree"]


@extend_schema_view(
    list=extend_schema(summary=_("List quiz attempts"), description=_(
        "Attempts of the members of the caller's area, scored by the server when submitted."),
        responses={200: QuizAttemptSerializer(many=True), **error_responses(400)}),
    retrieve=extend_schema(summary=_("A quiz attempt"), responses={200: QuizAttemptSerializer,
                                                                   **error_responses(404)}),
)
class QuizAttemptViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MemberWorkViewSet):
    selector = quiz_attempt_list
    serializer_class = QuizAttemptSerializer
    filterset_class = QuizAttemptFilter
    search_fields = ["enrolment__member__name", "quiz__title"]
    ordering_fields = ["submitted_at", "score", "id"]
    ordering = ["-submitted_at", "-id"]


__all__ = ["TrainingClassViewSet", "EnrolmentViewSet", "QuizViewSet", "QuizAttemptViewSet"]
