"""Scope rules of the community admin pages and the dashboard for the permission matrix
(tests/accounts/test_permission_matrix.py): "own" lies under community S01C01, "foreign" under street S02.

Records that only hang off a street or a community (red homes, pairings, joint meetings, village visits)
have no "own" object under the building group the matrix expects; their own-side access is tested in
tests/community/test_admin.py.
"""

from tests.community import records as r


def _refund(node):
    # A proposed refund: its page offers a decision, so an empty POST is a form error for those who may write.
    from tests.community.factories import DuesRefundFactory, TwoNewOrgFactory

    return DuesRefundFactory(org=TwoNewOrgFactory(node=node))


def _pair(make_own, make_foreign):
    def rule(tree):
        return (make_own(tree) if make_own else None), make_foreign(tree)

    return rule


SCOPED_OBJECTS = {
    "community.instructor": _pair(lambda t: r.instructor(t.building), lambda t: r.instructor(t.other_grid)),
    "community.twoneworg": _pair(lambda t: r.org(t.building), lambda t: r.org(t.other_grid)),
    "community.servicestation": _pair(lambda t: r.station(t.building), lambda t: r.station(t.other_grid)),
    "community.redhome": _pair(None, lambda t: r.red_home(t.other_street)),
    "community.residentunit": _pair(lambda t: r.unit(t.building), lambda t: r.unit(t.other_grid)),
    "community.pairing": _pair(None, lambda t: r.pairing(t.other_community)),
    "community.jointmeeting": _pair(None, lambda t: r.meeting(t.other_community)),
    "community.residentissue": _pair(lambda t: r.issue(t.building), lambda t: r.issue(t.other_grid)),
    "community.villagevisit": _pair(None, lambda t: r.visit(r.village(t.other_street))),
    "community.starrating": _pair(lambda t: r.rating(t.building), lambda t: r.rating(r.building(t.other_grid))),
    "community.weakorgflag": _pair(lambda t: r.weak_flag(t.building), lambda t: r.weak_flag(t.other_grid)),
    "community.duesrefund": _pair(lambda t: _refund(t.building), lambda t: _refund(t.other_grid)),
}

#: /dashboard/: signed-in staff (each sees their own scope's figures); residents 403, strangers to sign-in.
OTHER_ROUTES = {"dashboard:index": "staff"}

__all__ = ["SCOPED_OBJECTS", "OTHER_ROUTES"]

# The REST API of the records (community/api.py, community/api_refunds.py); every route × role is tested in
# tests/community/test_api.py.
API_ROUTES = {
    **{f"v1:{name}-{kind}": "scoped" for name in (
        "two-new-org", "instructor", "station", "red-home", "resident-unit", "pairing", "joint-meeting",
        "resident-issue", "village-visit", "star-rating", "weak-org", "dues-refund") for kind in ("list", "detail")},
    "v1:two-new-org-assign-instructor": "scoped_write", "v1:resident-issue-advance": "scoped_write",
    "v1:village-visit-complete": "scoped_write", "v1:weak-org-close": "scoped_write",
    "v1:dues-refund-approve": "street_above", "v1:dues-refund-send-back": "street_above",
    "v1:dues-refund-record-payment": "district",
}
