"""REST API of member development 发展党员: candidates with their steps, and the stages' two-level filing.

`/api/v1/candidates/` lists the candidates of the caller's area (ID-card number and phone masked, no date of
birth); a candidate's detail shows them in full to whoever may change the candidate (the reveal is recorded).
`POST /candidates/` registers an applicant (step 1), `PATCH` changes their details, `POST /candidates/<id>/steps/`
records the next step, `POST /candidates/<id>/file/` files a stage again after the street sent it back.
`/api/v1/stage-filings/` is the street's to-do list: `POST …/approve/` pre-reviews and files a stage (it takes
effect), `POST …/send-back/` returns it to the community. Every write goes through
members.development.services (the same rules and messages as the admin); every read through its selectors.
"""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.response import Response

from core.api import BoundedDateField, error_responses
from grids.selectors import org_list
from members.api_common import MemberWorkViewSet, OpinionSerializer, tree_filterset
from core.counts import count_of
from members.records.masking import mask_id_number, mask_phone
from members.records.models import Education, Gender

from . import services
from .models import Candidate, DevelopmentStage, FilingStatus, StageFiling, StepRecord
from .selectors import candidate_can_reveal, candidate_list, stage_filing_list


class StepRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    step = serializers.IntegerField(source="step.number", read_only=True)
    step_name = serializers.CharField(source="step.name", read_only=True)
    done_on = serializers.DateField(read_only=True)
    reviewer = serializers.CharField(read_only=True)
    opinion = serializers.CharField(read_only=True)
    recorded_at = serializers.DateTimeField(read_only=True)


class StageFilingSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    candidate = serializers.IntegerField(source="candidate_id", read_only=True)
    candidate_name = serializers.CharField(source="candidate.name", read_only=True)
    org = serializers.IntegerField(source="candidate.org_id", read_only=True)
    org_name = serializers.CharField(source="candidate.org.name", read_only=True)
    stage = serializers.ChoiceField(choices=DevelopmentStage.choices, read_only=True)
    status = serializers.ChoiceField(choices=FilingStatus.choices, read_only=True)
    community_on = serializers.DateField(read_only=True)
    community_opinion = serializers.CharField(read_only=True)
    street_on = serializers.DateField(read_only=True, allow_null=True)
    street_opinion = serializers.CharField(read_only=True)


class CandidateSerializer(serializers.Serializer):
    """A candidate as a list shows them: ID-card number and phone masked, and no date of birth (digits 7–14 of the
    ID-card number; the key is left out of a masked answer, see members.records.masking)."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    gender = serializers.ChoiceField(choices=Gender.choices, read_only=True)
    ethnicity = serializers.CharField(read_only=True)
    id_number = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    birth_date = serializers.DateField(required=False, help_text=_(
        "Only where the ID-card number is shown in full."))
    education = serializers.CharField(read_only=True)
    org = serializers.IntegerField(source="org_id", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    stage = serializers.ChoiceField(choices=DevelopmentStage.choices, read_only=True)
    steps_done = serializers.IntegerField(read_only=True)
    member = serializers.IntegerField(source="member_id", read_only=True, allow_null=True)
    completed_on = serializers.DateField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("reveal"):
            data["id_number"] = mask_id_number(instance.id_number)
            data["phone"] = mask_phone(instance.phone)
            data.pop("birth_date", None)
        return data


class CandidateDetailSerializer(CandidateSerializer):
    steps = StepRecordSerializer(many=True, read_only=True)
    filings = StageFilingSerializer(many=True, read_only=True)


class CandidateCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    gender = serializers.ChoiceField(choices=Gender.choices)
    ethnicity = serializers.CharField(max_length=20, required=False, default="汉族")
    id_number = serializers.CharField(max_length=18)
    birth_date = BoundedDateField(required=False, allow_null=True, default=None)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    education = serializers.ChoiceField(choices=Education.choices, required=False, allow_blank=True, default="")
    org = serializers.PrimaryKeyRelatedField(queryset=org_list(user=None), help_text=_("The party branch."))
    applied_on = BoundedDateField(help_text=_("The date of the written application (step 1)."))
    reviewer = serializers.CharField(max_length=50)
    opinion = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["org"].queryset = org_list(user=request.user, write=True)


class CandidateUpdateSerializer(serializers.Serializer):
    """What may change on a candidate (services.CANDIDATE_FIELDS): not the ID-card number, stage or steps."""

    name = serializers.CharField(max_length=50, required=False)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    ethnicity = serializers.CharField(max_length=20, required=False)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    education = serializers.ChoiceField(choices=Education.choices, required=False, allow_blank=True)
    org = serializers.PrimaryKeyRelatedField(queryset=org_list(user=None), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["org"].queryset = org_list(user=request.user, write=True)


class StepInputSerializer(serializers.Serializer):
    step = serializers.IntegerField(min_value=1, max_value=25, help_text=_("The step's number (1–25)."))
    done_on = BoundedDateField()
    reviewer = serializers.CharField(max_length=50)
    opinion = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CandidateFilter(tree_filterset("org__")):
    stage = filters.ChoiceFilter(choices=DevelopmentStage.choices)

    class Meta:
        model = Candidate
        fields = ["stage", "street", "community", "subtree"]


class CandidateSearchFilter(SearchFilter):
    """`?search=` by name or branch; a full ID-card number matches only candidates the caller may change (the
    admin's private search field: who sees the number masked cannot ask who holds it)."""

    def filter_queryset(self, request, queryset, view):
        found = super().filter_queryset(request, queryset, view)
        term = " ".join(self.get_search_terms(request)).strip().upper()
        if term and " " not in term:
            writable = candidate_list(user=request.user, write=True).filter(id_number=term).values("pk")
            found = found | queryset.filter(pk__in=writable)
        return found


CANDIDATE_ERRORS = error_responses(400, 403, 404)


@extend_schema_view(
    list=extend_schema(summary=_("List development candidates"), description=_(
        "Candidates of the caller's area; ID-card number and phone masked, no date of birth."),
        responses={200: CandidateSerializer(many=True), **error_responses(400)}),
    retrieve=extend_schema(summary=_("A development candidate with their steps and filings"), description=_(
        "ID-card number, phone and date of birth in full only to whoever may change the candidate (recorded as "
        "a reveal); masked, without the date of birth, to the others."),
        responses={200: CandidateDetailSerializer, **error_responses(404)}),
    create=extend_schema(summary=_("Register an applicant (step 1)"), request=CandidateCreateSerializer,
                         responses={201: CandidateSerializer, **CANDIDATE_ERRORS}),
    partial_update=extend_schema(summary=_("Change a candidate's details"), request=CandidateUpdateSerializer,
                                 responses={200: CandidateSerializer, **CANDIDATE_ERRORS}),
)
class CandidateViewSet(mixins.ListModelMixin, MemberWorkViewSet):
    selector = candidate_list
    serializer_class = CandidateSerializer
    filterset_class = CandidateFilter
    filter_backends = [filters.DjangoFilterBackend, CandidateSearchFilter, OrderingFilter]
    search_fields = ["name", "org__name", "=org__code"]
    ordering_fields = ["name", "created_at", "id"]
    ordering = ["org_id", "name", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = candidate_list(user=self.request.user).annotate(
            steps_done=count_of(StepRecord.objects.all(), to="candidate"))
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch("steps", queryset=StepRecord.objects.select_related("step").order_by("step__number")),
                Prefetch("filings", queryset=StageFiling.objects.select_related("candidate__org")))
        return queryset

    def retrieve(self, request, pk=None):
        candidate = self.get_object()
        reveal = candidate_can_reveal(user=request.user, candidate=candidate)
        if reveal:
            services.candidate_reveal(actor=request.user, candidate=candidate, channel="api")
        return Response(CandidateDetailSerializer(candidate, context={"reveal": reveal}).data)

    def create(self, request):
        data = self.body(CandidateCreateSerializer)
        candidate = services.candidate_create(actor=request.user, **data)
        return Response(CandidateSerializer(self.fresh(candidate)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        candidate = self.get_object()
        changes = self.body(CandidateUpdateSerializer)
        candidate = services.candidate_update(actor=request.user, candidate=candidate, **changes)
        return Response(CandidateSerializer(self.fresh(candidate)).data)

    @extend_schema(summary=_("Record a candidate's next step"), description=_(
        "Checks the order, the stage in effect, the dates and the interval rules; a step that decides a stage "
        "files it at the community's level for the street."), request=StepInputSerializer,
        responses={201: StepRecordSerializer, **CANDIDATE_ERRORS})
    @action(detail=True, methods=["post"])
    def steps(self, request, pk=None):
        candidate = self.get_object()
        data = self.body(StepInputSerializer)
        record = services.development_step_record(
            actor=request.user, candidate=candidate, step_number=data["step"], done_on=data["done_on"],
            reviewer=data["reviewer"], opinion=data["opinion"])
        record = StepRecord.objects.select_related("step").get(pk=record.pk)
        return Response(StepRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("File a stage again (community)"), description=_(
        "After the street sent a stage back, the community files it again for the street's pre-review."),
        request=OpinionSerializer, responses={201: StageFilingSerializer, **CANDIDATE_ERRORS})
    @action(detail=True, methods=["post"])
    def file(self, request, pk=None):
        candidate = self.get_object()
        data = self.body(OpinionSerializer)
        filing = services.stage_filing_propose(actor=request.user, candidate=candidate, opinion=data["opinion"],
                                               on=data["on"])
        filing = stage_filing_list(user=request.user).get(pk=filing.pk)
        return Response(StageFilingSerializer(filing).data, status=status.HTTP_201_CREATED)


class StageFilingFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=FilingStatus.choices)
    stage = filters.ChoiceFilter(choices=[c for c in DevelopmentStage.choices if c[0] >= 2])

    class Meta:
        model = StageFiling
        fields = ["status", "stage"]


@extend_schema_view(
    list=extend_schema(summary=_("List stage filings"), description=_(
        "The two-level filing of the candidates' stages in the caller's area; ?status=proposed is the street's "
        "to-do list."), responses={200: StageFilingSerializer(many=True), **error_responses(400)}),
    retrieve=extend_schema(summary=_("A stage filing"), responses={200: StageFilingSerializer,
                                                                   **error_responses(404)}),
)
class StageFilingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MemberWorkViewSet):
    selector = stage_filing_list
    serializer_class = StageFilingSerializer
    filterset_class = StageFilingFilter
    search_fields = ["candidate__name"]
    ordering_fields = ["community_on", "id"]
    ordering = ["-community_on", "-id"]

    @extend_schema(summary=_("Pre-review and file a stage (street)"), description=_(
        "The street (or the district) pre-reviews and files the stage: it takes effect; at the probationary "
        "stage the member record is created."), request=OpinionSerializer,
        responses={200: StageFilingSerializer, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        filing = self.get_object()
        data = self.body(OpinionSerializer)
        filing = services.stage_filing_approve(actor=request.user, filing=filing, opinion=data["opinion"],
                                               on=data["on"])
        return Response(StageFilingSerializer(self.fresh(filing)).data)

    @extend_schema(summary=_("Send a stage back to the community (street)"), description=_(
        "The street returns the stage with its opinion (required); the community may file it again."),
        request=OpinionSerializer, responses={200: StageFilingSerializer, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        filing = self.get_object()
        data = self.body(OpinionSerializer)
        filing = services.stage_filing_return(actor=request.user, filing=filing, opinion=data["opinion"],
                                              on=data["on"])
        return Response(StageFilingSerializer(self.fresh(filing)).data)


__all__ = ["CandidateViewSet", "StageFilingViewSet"]
