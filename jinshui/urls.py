from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from accounts.api import TokenView
from grids.api import OrgNodeViewSet
from members.api import MemberViewSet

from .health import healthz

admin.site.site_header = settings.PORTAL_NAME
admin.site.site_title = settings.PORTAL_NAME
admin.site.index_title = settings.PORTAL_NAME
admin.site.site_url = None  # no public site behind the admin yet

router = DefaultRouter()
router.register("orgs", OrgNodeViewSet, basename="org")
router.register("members", MemberViewSet, basename="member")

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
