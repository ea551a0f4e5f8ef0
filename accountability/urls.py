from django.urls import path

from . import views

app_name = "accountability"

urlpatterns = [
    path("", views.duty_cycles, name="cycles"),
    path("duty/<int:pk>/", views.cycle, name="cycle"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("year/", views.year, name="year-now"),
    path("year/<int:year>/", views.year, name="year"),
    path("evaluations/<int:pk>/", views.evaluation_row, name="evaluation"),
    path("evaluations/<int:pk>/print/", views.evaluation_pdf, name="evaluation-pdf"),
    path("committees/", views.committees, name="committees"),
    path("committees/<int:pk>/", views.committee, name="committee"),
    path("reserve/", views.reserve, name="reserve"),
    path("slates/<int:pk>/", views.slate, name="slate"),
    path("contacts/", views.contacts, name="contacts"),
]
