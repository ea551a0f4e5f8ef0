"""The API against its own OpenAPI schema (schemathesis): for each role, generated requests to every operation
(valid ones and, fewer, invalid ones) never get a 5xx, and every answer the schema describes matches it.

The calls go to the Django WSGI app in-process (schemathesis' WSGI transport) inside the test's transaction, with
token authentication as district staff, a street secretary, a community secretary, an inspector and a resident.
Hypothesis runs derandomized (a fixed seed, the same cases every run) and without shrinking, with a bounded number
of examples per operation, so that the run stays short; the cases are drawn once and replayed for every role
(tests/schema_cases.py). Half of the generated ids are replaced by ids of records
that exist, so that detail pages and changes are reached too, not only 404s.
"""

import time
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.models import Role
from tests import schema_cases
from tests.factories import MemberFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

#: Cases per operation and mode: with 130+ operations and five roles, about 4,500 cases (a few minutes).
EXAMPLES = {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 2}
ROLES = ["district", "street", "community", "inspector", "resident"]
#: The cases drawn for the first role run, replayed for the others (tests/schema_cases.py).
DRAWN = {}


@pytest.fixture
def in_process_requests():
    """Django closes the database connection at the end of a request; inside a test's transaction that would
    break the test (Django's own test client disconnects the same handlers)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(tree, district_user, street_secretary, community_secretary, resident):
    import datetime

    from django.utils import timezone

    from servicecenters.models import Booking, BookingStatus
    from tests.servicecenters.factories import CenterFactory, RoomFactory

    center = CenterFactory(code="SC01", name="凤凰台党群服务中心", street=tree.street)
    rooms = [RoomFactory(center=center, name="多功能活动室", capacity=20),
             RoomFactory(center=center, name="会议室", capacity=8, needs_approval=True)]
    MemberFactory(org=tree.building, name="赵强")
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=2)
    bookings = [
        Booking.objects.create(room=rooms[0], resident=resident, start=start, end=start + datetime.timedelta(hours=1),
                               attendees=3, status=BookingStatus.CONFIRMED),
        Booking.objects.create(room=rooms[1], resident=resident, start=start, end=start + datetime.timedelta(hours=2),
                               attendees=5, status=BookingStatus.PENDING),
    ]
    users = {"district": district_user, "street": street_secretary, "community": community_secretary,
             "inspector": grant(UserFactory(username="inspector-01"), Role.INSPECTOR), "resident": resident}
    from grids.models import OrgNode
    from members.records.models import Member

    ids = {"orgs": list(OrgNode.objects.values_list("pk", flat=True)),
           "members": list(Member.objects.values_list("pk", flat=True)),
           "centers": [center.pk], "rooms": [r.pk for r in rooms], "bookings": [b.pk for b in bookings]}
    ids.update(_community_records(tree))
    ids.update(_assessment_records(tree, users))
    return users, ids


def _community_records(tree):
    """One record of every community endpoint in the street's area (the secretaries') and one in the other."""
    from community.models import WeakOrgFlag
    from tests.community import records
    from tests.community.factories import DuesRefundFactory, TwoNewOrgFactory

    ids = {}
    village, building = records.village(tree.street), records.building(tree.grid)
    made = {
        "two-new-orgs": [records.org(tree.grid, members=4), records.org(tree.other_grid)],
        "instructors": [records.instructor(tree.community, phone="13812345678"),
                        records.instructor(tree.other_community)],
        "stations": [records.station(tree.grid), records.station(tree.other_grid)],
        "red-homes": [records.red_home(tree.street), records.red_home(tree.other_street)],
        "resident-units": [records.unit(tree.community), records.unit(tree.other_community)],
        "pairings": [records.pairing(tree.community), records.pairing(tree.other_community)],
        "joint-meetings": [records.meeting(tree.community), records.meeting(tree.other_community)],
        "resident-issues": [records.issue(tree.community), records.issue(tree.other_community, resolved=True)],
        "village-visits": [records.visit(village, outcome="transferred"), records.visit(village)],
        "star-ratings": [records.rating(building)],
        "weak-orgs": [WeakOrgFlag.objects.create(node=tree.grid, flagged_on=records.DAY, reasons="班子不健全",
                                                 rectification_plan="调整班子")],
        "dues-refunds": [DuesRefundFactory(org=TwoNewOrgFactory(node=tree.grid)),
                         DuesRefundFactory(org=TwoNewOrgFactory(node=tree.other_grid), approved=True)],
    }
    for route, objs in made.items():
        ids[route] = [o.pk for o in objs]
    return ids


def _assessment_records(tree, users):
    """Plans, scores and a published ranking, a published inspection with its finding, interviews."""
    import datetime

    from assessment import services
    from assessment.models import Interview, RankingRow, Score, UnitLevel
    from assessment.ranking import take_snapshots
    from tests.assessment.conftest import make_plan, put_scores

    plans = [make_plan(UnitLevel.STREET), make_plan(UnitLevel.COMMUNITY)]
    quarter = "2026Q3"
    for unit in (tree.street, tree.other_street, tree.community, tree.other_community):
        put_scores(unit, quarter, [80, 70, 60])
    take_snapshots(quarter)
    inspector = users["inspector"]
    day = datetime.date(2026, 11, 3)
    inspections = []
    for unit in (tree.community, tree.other_community):
        inspection = services.inspection_visit_record(actor=inspector, org=unit, visited_on=day, summary="暗访",
                                                      finding="台账缺失", deadline=day + datetime.timedelta(days=30))
        services.inspection_publish(actor=users["district"], inspection=inspection)
        inspections.append(inspection)
    interviews = [Interview.objects.create(org=unit, interviewee="张书记", reason="ranking", quarter=quarter)
                  for unit in (tree.community, tree.other_community)]
    return {"assessment-plans": [p.pk for p in plans],
            "scores": list(Score.objects.values_list("pk", flat=True)[:4]),
            "rankings": list(RankingRow.objects.values_list("pk", flat=True)),
            "inspections": [i.pk for i in inspections],
            "findings": [i.findings.get().pk for i in inspections],
            "interviews": [i.pk for i in interviews]}


@pytest.fixture
def api_schema(in_process_requests):
    from jinshui.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


def _real_id(case, ids):
    """Swap a generated id for an existing record's, for every other case (by the generated value's parity)."""
    params = case.path_parameters or {}
    if "id" in params and isinstance(params["id"], int) and params["id"] % 2 == 0:
        resource = case.operation.path.split("/")[3]  # /api/v1/<resource>/{id}/...
        if ids.get(resource):
            params["id"] = ids[resource][params["id"] // 2 % len(ids[resource])]


@pytest.mark.parametrize("role", ROLES)
def test_api_answers_as_its_schema_says(role, world, api_schema, in_process_requests):
    users, ids = world
    token = Token.objects.create(user=users[role]).key
    headers = {"Authorization": f"Token {token}"}
    failures, statuses, cases = [], Counter(), 0
    started = time.monotonic()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 130

    for operation in operations:
        for mode, examples in EXAMPLES.items():
            for case in schema_cases.cases(DRAWN, operation, mode, examples):
                _real_id(case, ids)
                cases += 1
                try:
                    response = case.call_and_validate(
                        headers=headers, checks=[not_a_server_error, response_schema_conformance])
                except (AssertionError, FailureGroup) as exc:  # a check failed: collect, go on with the others
                    failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:600]}")
                    continue
                statuses[response.status_code] += 1

    print(f"{role}: {cases} cases over {len(operations)} operations in {time.monotonic() - started:.1f} s, "
          f"statuses {dict(sorted(statuses.items()))}")
    assert not failures, "\n\n".join(failures[:10])
    assert statuses[200] + statuses[201] > 0
