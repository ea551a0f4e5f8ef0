from django.urls import path

from . import views
from .dues import views as dues_views

app_name = "members"

urlpatterns = [
    path("import/", views.member_import_view, name="import"),
    path("import/<int:pk>/", views.member_import_status_view, name="import-status"),
    path("import/template.xlsx", views.member_import_template_view, name="import-template"),
    path("branches/<int:pk>/", views.branch_view, name="branch"),
    path("dues/review/", dues_views.dues_review_view, name="dues-review"),
    path("birthdays/", views.birthdays_view, name="birthdays"),
    path("development/steps/<int:pk>/attachment/", views.step_attachment_view, name="step-attachment"),
    path("transfers/<int:pk>/letter/", views.transfer_letter_view, name="transfer-letter"),
]
