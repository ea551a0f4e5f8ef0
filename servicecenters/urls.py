from django.urls import path

from . import views, views_series

app_name = "sc"

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.MobileLoginView.as_view(), name="login"),
    path("logout/", views.MobileLogoutView.as_view(), name="logout"),
    path("centers/<int:pk>/", views.center, name="center"),
    path("rooms/<int:pk>/", views.room, name="room"),
    path("rooms/<int:pk>/waitlist/", views.waitlist_join, name="waitlist_join"),
    path("search/", views.search, name="search"),
    path("bookings/", views.my_bookings, name="my_bookings"),
    path("bookings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("bookings/<int:pk>/cancel-series/", views.cancel_series, name="cancel_series"),
    path("bookings/<int:pk>/series/", views_series.series, name="series"),
    path("ical/<str:token>/bookings.ics", views.ical, name="ical"),
    path("ical/revoke/", views.ical_revoke, name="ical_revoke"),
    path("rooms/<int:pk>/check-in/<str:token>/", views.room_check_in, name="check_in"),
    path("staff/rooms/<int:room_pk>/qr.svg", views.room_qr, name="room_qr"),
    path("staff/", views.staff, name="staff"),
    path("staff/bookings/<int:pk>/<slug:action>/", views.staff_action, name="staff_action"),
    path("staff/rooms/<int:room_pk>/block/", views.staff_block, name="staff_block"),
    path("staff/occupancy/", views.occupancy, name="occupancy"),
]
