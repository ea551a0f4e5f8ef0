from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accountability.api import EvaluationViewSet
from accounts.api import TokenView
from grids.api import OrgNodeViewSet
from members.api import MemberViewSet
from participation.api import ActivityViewSet, RequestViewSet
from servicecenters.api import BookingViewSet, CenterViewSet, FreeRoomsView, RoomViewSet

from core.health import healthz
from workbench.views import front_door

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

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("free-rooms/", FreeRoomsView.as_view(), name="free-rooms"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", front_door, name="home"),
    path("workbench/", include("workbench.urls")),
    path("healthz", healthz, name="healthz"),
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
