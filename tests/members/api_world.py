"""Builders shared by the member-work API tests: the roles, and records of every topic under community S01C01
("own") and under street S02 ("foreign"), each made fresh where a test changes it."""

import datetime

from django.utils import timezone

from accounts.models import RoleGrant
from members.training.models import QuizAttempt
from tests.factories import MemberFactory, Role, UserFactory, grant
from tests.members.helpers import (
    STEP_DATES,
    district_actor,
    make_candidate,
    make_class,
    make_dues,
    make_meeting,
    make_points,
    make_quiz,
    make_transfer,
    record_to,
)

ROLES = ["district", "street", "community", "inspector", "center_staff", "resident", "anonymous"]
#: Roles that read the member-work lists at all.
READERS = {"district", "street", "community", "inspector"}
#: Roles that see records under street S02.
SEE_FOREIGN = {"district", "inspector"}


def make_users(tree):
    from tests.servicecenters.factories import CenterFactory

    center = CenterFactory(street=tree.street)
    staff = UserFactory(username="api-center", is_staff=False)
    RoleGrant.objects.create(user=staff, role=Role.CENTER_STAFF, center_id=center.pk)
    return {
        "district": grant(UserFactory(username="api-district"), Role.DISTRICT_STAFF),
        "street": grant(UserFactory(username="api-street"), Role.STREET_SECRETARY, tree.street),
        "community": grant(UserFactory(username="api-community"), Role.COMMUNITY_SECRETARY, tree.community),
        "inspector": grant(UserFactory(username="api-inspector"), Role.INSPECTOR),
        "center_staff": staff,
        "resident": grant(UserFactory(username="api-resident", is_staff=False), Role.RESIDENT),
        "anonymous": None,
    }


def candidate_pair(tree):
    return make_candidate(tree.grid, name="张申请"), make_candidate(tree.other_grid, name="赵申请")


def filing_pair(tree):
    own, foreign = candidate_pair(tree)
    return record_to(own, 3).filings.get(), record_to(foreign, 3).filings.get()


def transfer_pair(tree):
    return (make_transfer(MemberFactory(org=tree.grid), tree.building),
            make_transfer(MemberFactory(org=tree.other_grid), tree.other_community))


def letter_pair(tree):
    from members.transfers.services import transfer_send

    return tuple(transfer_send(actor=district_actor(), member=MemberFactory(org=org), destination="上海市某党委",
                               reason="工作调动") for org in (tree.grid, tree.other_grid))


def meeting_pair(tree):
    return make_meeting(tree.grid, [tree.member]), make_meeting(tree.other_grid, [tree.other_member])


def dues_pair(tree):
    return make_dues(tree.member), make_dues(tree.other_member)


def points_pair(tree):
    return make_points(tree.member), make_points(tree.other_member)


def class_pair(tree):
    return make_class(tree.community), make_class(tree.other_community)


def enrolment_pair(tree):
    own, foreign = class_pair(tree)
    return own.enrolments.create(member=tree.member), foreign.enrolments.create(member=tree.other_member)


def quiz_pair(tree):
    own, foreign = class_pair(tree)
    return make_quiz(own), make_quiz(foreign)


def attempt_pair(tree):
    attempts = []
    for quiz, member in zip(quiz_pair(tree), (tree.member, tree.other_member), strict=True):
        enrolment = quiz.training_class.enrolments.create(member=member)
        attempts.append(QuizAttempt.objects.create(enrolment=enrolment, quiz=quiz, number=1, answers={}, score=80,
                                                   submitted_at=timezone.now()))
    return tuple(attempts)


def duty_pair(tree):
    from members.orglife.models import DutyDone

    meeting_pair(tree)  # each meeting ticks the theme party day off for its branch
    return DutyDone.objects.get(org=tree.grid), DutyDone.objects.get(org=tree.other_grid)


def _item():
    from members.orglife.models import DutyItem

    return DutyItem.objects.filter(meeting_kind="").order_by("number").first().pk


#: Each route's records: resource → a builder of (own, foreign).
RESOURCES = {
    "candidates": candidate_pair, "stage-filings": filing_pair, "transfers": transfer_pair, "dues": dues_pair,
    "meetings": meeting_pair, "points": points_pair, "training-classes": class_pair, "enrolments": enrolment_pair,
    "quizzes": quiz_pair, "quiz-attempts": attempt_pair, "duties-done": duty_pair,
}


def _step_two(obj, tree):
    return {"step": 2, "done_on": STEP_DATES[2].isoformat(), "reviewer": "李书记"}


#: Writes on a record: (name, resource, sub-route or "" for PATCH, builder of (own, foreign), body, who succeeds
#: on the own record with which status, the others' status on it). The foreign record answers 404 to the
#: secretaries (it is outside their area) and the success status to district staff.
WRITES = [
    ("candidate patch", "candidates", "", candidate_pair, lambda o, t: {"phone": "13812345678"},
     {"district": 200, "street": 200, "community": 200}),
    ("candidate step", "candidates", "steps", candidate_pair, _step_two,
     {"district": 201, "street": 201, "community": 201}),
    # Nothing is waiting to be filed again: the service's refusal, a field error.
    ("candidate file", "candidates", "file", candidate_pair, lambda o, t: {},
     {"district": 400, "street": 400, "community": 400}),
    ("filing approve", "stage-filings", "approve", filing_pair, lambda o, t: {"opinion": "同意"},
     {"district": 200, "street": 200, "community": 403}),
    ("filing send back", "stage-filings", "send-back", filing_pair, lambda o, t: {"opinion": "材料不全"},
     {"district": 200, "street": 200, "community": 403}),
    ("transfer accept", "transfers", "accept", transfer_pair, lambda o, t: {},
     {"district": 200, "street": 200, "community": 200}),
    ("transfer send back", "transfers", "send-back", transfer_pair, lambda o, t: {"note": "查无此人"},
     {"district": 200, "street": 200, "community": 200}),
    ("transfer complete", "transfers", "complete", letter_pair, lambda o, t: {},
     {"district": 200, "street": 200, "community": 200}),
    ("dues patch", "dues", "", dues_pair, lambda o, t: {"amount_paid": "40.00", "paid_on": "2026-05-10"},
     {"district": 200, "street": 200, "community": 200}),
    ("meeting attendance", "meetings", "attendance", meeting_pair,
     lambda o, t: {"rows": [{"member": o.attendance.get().member_id, "present": False,
                             "absence_reason": "出差"}]},
     {"district": 200, "street": 200, "community": 200}),
    ("meeting review", "meetings", "review", meeting_pair, lambda o, t: {"opinion": "记录完整"},
     {"district": 200, "street": 200, "community": 200}),
    ("duty redate", "duties-done", "", duty_pair, lambda o, t: {"done_on": "2026-05-09"},
     {"district": 200, "street": 200, "community": 200}),
    ("points patch", "points", "", points_pair, lambda o, t: {"points": "3.5"},
     {"district": 200, "street": 200, "community": 200}),
    ("class patch", "training-classes", "", class_pair, lambda o, t: {"planned_hours": "20"},
     {"district": 200, "street": 200, "community": 200}),
    ("class enrol", "training-classes", "enrol", class_pair,
     lambda o, t: {"members": [t.member.pk]}, {"district": 200, "street": 200, "community": 200}),
    ("enrolment sign-in", "enrolments", "sign-in", enrolment_pair,
     lambda o, t: {"on": "2026-04-02", "hours": "4"}, {"district": 201, "street": 201, "community": 201}),
    ("enrolment score", "enrolments", "score", enrolment_pair, lambda o, t: {"quiz_score": "88"},
     {"district": 200, "street": 200, "community": 200}),
]

#: New records: (name, resource, body built from the tree with own ids). With the foreign ids (foreign_body) a
#: secretary's body names records outside their area: a field error (400), district staff may.
CREATES = [
    ("candidate", "candidates",
     lambda t, org: {"name": "孙申请", "gender": "F", "id_number": _id_number(), "org": org.pk,
                     "applied_on": STEP_DATES[1].isoformat(), "reviewer": "李书记"}, "grid"),
    ("transfer", "transfers",
     lambda t, org: {"member": MemberFactory(org=org).pk, "destination": "北京市某党委", "reason": "工作调动"},
     "grid"),
    ("dues", "dues",
     lambda t, org: {"member": MemberFactory(org=org).pk, "month": "2026-06-01", "kind": "employed",
                     "income_base": "4000"}, "grid"),
    ("meeting", "meetings",
     lambda t, org: {"org": org.pk, "kind": "lecture", "held_on": "2026-05-20", "topic": "党课", "minutes": "记录",
                     "present": [MemberFactory(org=org).pk]}, "grid"),
    ("points", "points",
     lambda t, org: {"member": MemberFactory(org=org).pk, "on": "2026-05-01", "category": "volunteer",
                     "points": "2", "reason": "志愿服务"}, "grid"),
    ("class", "training-classes",
     lambda t, org: {"name": "党员冬训班", "organizer": org.pk, "starts_on": "2026-12-01",
                     "ends_on": "2026-12-03", "planned_hours": "12"}, "community"),
]
CREATES += [
    ("duty done", "duties-done", lambda t, org: {"org": org.pk, "item": _item(), "done_on": "2026-05-02"}, "grid"),
    ("dues review", "dues/review",
     lambda t, org: {"community": org.pk, "month": make_dues(MemberFactory(org=org)).month.isoformat()},
     "community"),
]
FOREIGN_NODE = {"grid": "other_grid", "community": "other_community"}

_ids = iter(range(700, 999))


def _id_number():
    from members.records.validators import make_id_number

    return make_id_number("410105", datetime.date(1996, 6, 6), next(_ids))
