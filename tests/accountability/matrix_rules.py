"""Scope rules of the accountability app (read by tests/accounts/test_permission_matrix.py).

District-only admins: configuration of the standing committee's contact points, the reserve-cadre pool (kept on the
pages by the streets), and the read-only lists of cycles and stored evaluation rows. Committees are a scoped,
read-only admin list (recorded through the committee pages). The pages are staff pages cut by scope, checked in
tests/accountability (own vs foreign object: 404, a role with no business: 403).
"""

import datetime

DISTRICT_ONLY_ADMINS = {"accountability.standingmember", "accountability.dutycycle", "accountability.evaluationrow",
                        "accountability.reservecadre"}
READ_ONLY_ADMINS = {"accountability.committee"}


def _committees(tree):
    from accountability.models import Committee

    start = datetime.date(2024, 1, 1)
    own = Committee.objects.create(org=tree.building, term_start=start, term_years=3, term_end=datetime.date(2027, 1, 1))
    foreign = Committee.objects.create(org=tree.other_grid, term_start=start, term_years=3,
                                       term_end=datetime.date(2027, 1, 1))
    return own, foreign


SCOPED_OBJECTS = {"accountability.committee": _committees}

OTHER_ROUTES = {
    "assessment:ranking-export": "staff, scoped",
    "accountability:cycles": "staff, scoped; district opens", "accountability:cycle": "staff, scoped; district publishes",
    "accountability:report": "staff, scoped; the unit writes, the level above reviews and counts",
    "accountability:attachment": "staff, scoped", "accountability:year-now": "staff",
    "accountability:year": "staff, scoped; district computes and publishes",
    "accountability:evaluation": "staff, scoped; district adjusts", "accountability:evaluation-pdf": "staff, scoped",
    "accountability:committees": "staff, scoped", "accountability:committee": "staff, scoped; keepers write",
    "accountability:reserve": "staff, scoped; streets write", "accountability:slate": "staff, scoped; keepers write",
    "accountability:contacts": "staff, scoped; district records",
}
API_ROUTES = {"v1:evaluation-list": "scoped", "v1:evaluation-detail": "scoped"}
