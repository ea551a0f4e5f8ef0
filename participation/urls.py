from django.urls import path

from . import views

app_name = "participation"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/photos/<int:photo_pk>/", views.request_photo, name="request_photo"),
    path("requests/<int:pk>/<slug:action>/", views.request_action, name="request_action"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/signup/", views.activity_signup, name="activity_signup"),
    path("activities/<int:pk>/cancel/", views.activity_cancel_signup, name="activity_cancel"),
    path("staff/activities/", views.staff_activities, name="staff_activities"),
    path("staff/activities/<int:pk>/", views.staff_activity, name="staff_activity"),
    path("staff/signups/<int:pk>/check-in/", views.staff_check_in, name="staff_check_in"),
    path("teams/", views.team_list, name="teams"),
    path("teams/<int:pk>/join/", views.team_join, name="team_join"),
]
