from django.urls import path

from . import views

app_name = "inbox"

urlpatterns = [
    path("", views.inbox, name="list"),
    path("<int:pk>/read/", views.mark_read, name="read"),
    path("preferences/", views.preferences, name="preferences"),
]
