from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accountability.api import EvaluationViewSet
from accounts.api import TokenView
from assessment import api as assessment_api
from assessment.api_interviews import InterviewViewSet
from community import api as community_api
from community.api_refunds import DuesRefundViewSet
from grids.api import OrgNodeViewSet
from members.api import MemberViewSet
from members.development.api import CandidateViewSet, StageFilingViewSet
from members.dues.api import DuesPaymentViewSet
from members.orglife.api import DutyDoneViewSet, MeetingViewSet
from members.points.api import PointEntryViewSet
from members.training.api import EnrolmentViewSet, QuizAttemptViewSet, QuizViewSet, TrainingClassViewSet
from members.transfers.api import TransferViewSet
from participation.api import ActivityViewSet, RequestViewSet
from participation.api_thinktank import MatchViewSet, NeedViewSet, ResourceViewSet
from servicecenters.api import BookingViewSet, CenterViewSet, FreeRoomsView, RoomViewSet

from core.health import healthz
from workbench.views import front_door



class FaviconView(RedirectView):
    """/favicon.ico → the static icon (its hashed name is known only once the manifest is read: at request time)."""

    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.ico")


admin.site.site_header = settings.PORTAL_NAME
admin.site.site_title = settings.PORTAL_NAME
admin.site.index_title = settings.PORTAL_NAME
admin.site.site_url = "/dashboard/"  # "view site" leads staff to their dashboard

router = DefaultRouter()
router.register("orgs", OrgNodeViewSet, basename="org")
router.register("members", MemberViewSet, basename="member")
router.register("centers", CenterViewSet, basename="center")
router.register("rooms", RoomViewSet, basename="room")
router.register("bookings", BookingViewSet, basename="booking")
router.register("evaluations", EvaluationViewSet, basename="evaluation")
router.register("requests", RequestViewSet, basename="request")
router.register("activities", ActivityViewSet, basename="activity")
# member work: development, transfers, dues, meetings, points, training (members/<topic>/api.py)
router.register("candidates", CandidateViewSet, basename="candidate")
router.register("stage-filings", StageFilingViewSet, basename="stage-filing")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("dues", DuesPaymentViewSet, basename="dues-payment")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("duties-done", DutyDoneViewSet, basename="duty-done")
router.register("points", PointEntryViewSet, basename="point-entry")
router.register("training-classes", TrainingClassViewSet, basename="training-class")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("quizzes", QuizViewSet, basename="quiz")
router.register("quiz-attempts", QuizAttemptViewSet, basename="quiz-attempt")
# end of member work
# the 智库: needs, resources, matches (participation/api_thinktank.py)
router.register("needs", NeedViewSet, basename="need")
router.register("resources", ResourceViewSet, basename="resource")
router.register("matches", MatchViewSet, basename="match")

# --- assessment and community records ---
router.register("assessment-plans", assessment_api.PlanViewSet, basename="assessment-plan")
router.register("scores", assessment_api.ScoreViewSet, basename="score")
router.register("rankings", assessment_api.RankingViewSet, basename="ranking")
router.register("inspections", assessment_api.InspectionViewSet, basename="inspection")
router.register("findings", assessment_api.FindingViewSet, basename="finding")
router.register("interviews", InterviewViewSet, basename="interview")
router.register("two-new-orgs", community_api.TwoNewOrgViewSet, basename="two-new-org")
router.register("instructors", community_api.InstructorViewSet, basename="instructor")
router.register("stations", community_api.StationViewSet, basename="station")
router.register("red-homes", community_api.RedHomeViewSet, basename="red-home")
router.register("resident-units", community_api.UnitViewSet, basename="resident-unit")
router.register("pairings", community_api.PairingViewSet, basename="pairing")
router.register("joint-meetings", community_api.MeetingViewSet, basename="joint-meeting")
router.register("resident-issues", community_api.IssueViewSet, basename="resident-issue")
router.register("village-visits", community_api.VisitViewSet, basename="village-visit")
router.register("star-ratings", community_api.RatingViewSet, basename="star-rating")
router.register("weak-orgs", community_api.WeakFlagViewSet, basename="weak-org")
router.register("dues-refunds", DuesRefundViewSet, basename="dues-refund")
# --- end of assessment and community records ---

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("free-rooms/", FreeRoomsView.as_view(), name="free-rooms"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", front_door, name="home"),
    path("workbench/", include("workbench.urls")),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on their own: the portal's icon (the pages link it too, templates/_favicon.html).
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("members/", include("members.urls")),
    path("m/party/", include("members.mobile_urls")),
    path("m/learn/", include("learning.urls")),
    path("m/", include("participation.urls")),
    path("m/", include("servicecenters.urls")),
    path("inbox/", include("inbox.urls")),
    path("assessment/", include("assessment.urls")),
    path("accountability/", include("accountability.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (?script): no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
         name="api-docs"),
]

# Errors outside the views' own handling: JSON under /api/ (core.api), Django's pages elsewhere.
handler400 = "core.api.error_400"
handler403 = "core.api.error_403"
handler404 = "core.api.error_404"
handler500 = "core.api.error_500"
