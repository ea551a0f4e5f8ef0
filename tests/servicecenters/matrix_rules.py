"""Permission-matrix rules of the service centers (read by tests/accounts/test_permission_matrix.py).

The admins are district-only: center staff work on their own center through the phone staff pages,
whose own-versus-foreign-center scope is tested in tests/servicecenters/test_scope.py.
"""

DISTRICT_ONLY_ADMINS = {
    "servicecenters.servicecenter", "servicecenters.room", "servicecenters.booking",
    "servicecenters.bookingseries", "servicecenters.roomblock", "servicecenters.waitlistentry",
    "servicecenters.partnerorganization", "servicecenters.partnerevaluation",
}

OTHER_ROUTES = {
    "sc:home": "signed_in", "sc:signup": "public", "sc:login": "public", "sc:logout": "signed_in",
    "sc:center": "signed_in", "sc:room": "signed_in", "sc:waitlist_join": "signed_in", "sc:search": "signed_in",
    "sc:my_bookings": "signed_in", "sc:cancel": "own", "sc:ical": "signed_token",
    "sc:staff": "center_staff", "sc:staff_action": "center_staff", "sc:staff_block": "center_staff",
    "sc:occupancy": "center_staff",
    "sc:cancel_series": "own", "sc:series": "own", "sc:ical_revoke": "signed_in", "sc:check_in": "signed_in_with_room_token",
    "sc:room_qr": "center_staff",
    "inbox:list": "signed_in", "inbox:read": "own",
}

API_ROUTES = {
    "v1:center-list": "signed_in", "v1:center-detail": "signed_in",
    "v1:room-list": "signed_in", "v1:room-detail": "signed_in",
    "v1:booking-list": "own_or_center", "v1:booking-detail": "own_or_center",
    "v1:booking-cancel": "own_or_center", "v1:booking-approve": "center_staff",
    "v1:booking-reject": "center_staff", "v1:booking-check-in": "center_staff",
    "v1:booking-no-show": "center_staff",
    "v1:booking-cancel-series": "own_or_center", "v1:booking-change-series": "own_or_center",
    "v1:free-rooms": "signed_in",
}
