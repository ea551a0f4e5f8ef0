from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("2fa/setup/", views.second_factor_setup, name="second-factor-setup"),
    path("2fa/verify/", views.second_factor_verify, name="second-factor-verify"),
]
