from django.urls import path

from . import views, views_teams, views_thinktank

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
    path("teams/<int:pk>/roster/", views_teams.roster, name="team_roster"),
    path("teams/<int:pk>/roster/add/", views_teams.add_member, name="team_add_member"),
    path("teams/<int:pk>/roster/hours/", views_teams.record_hours, name="team_hours"),
    path("thinktank/", views_thinktank.home, name="thinktank"),
    path("thinktank/needs/<int:pk>/", views_thinktank.need_detail, name="need"),
    path("thinktank/needs/<int:pk>/propose/", views_thinktank.need_propose, name="need_propose"),
    path("thinktank/needs/<int:pk>/withdraw/", views_thinktank.need_withdraw, name="need_withdraw"),
    path("thinktank/matches/<int:pk>/<slug:action>/", views_thinktank.match_action, name="match_action"),
    path("thinktank/resources/", views_thinktank.resources, name="resources"),
]
