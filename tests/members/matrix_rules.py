"""Scope rules of the members app's admins and pages (read by tests/accounts/test_permission_matrix.py)."""

DISTRICT_ONLY_ADMINS = {"members.developmentstep", "members.birthdaygreeting", "members.dutyitem",
                        "members.compliancesnapshot", "members.memberimport", "members.duesreview",
                        "members.registrationconflict"}


def _candidate(tree):
    from tests.members.helpers import make_candidate

    return make_candidate(tree.grid, name="张申请"), make_candidate(tree.other_grid, name="赵申请")


def _filing(tree):
    from tests.members.helpers import make_candidate, record_to

    own = make_candidate(tree.grid, name="张申请")
    foreign = make_candidate(tree.other_grid, name="赵申请")
    return record_to(own, 3).filings.get(), record_to(foreign, 3).filings.get()


def _points(tree):
    from tests.members.helpers import make_points

    return make_points(tree.member), make_points(tree.other_member)


def _transfer(tree):
    from tests.members.helpers import make_transfer

    return make_transfer(tree.member, tree.building), make_transfer(tree.other_member, tree.other_community)


def _meeting(tree):
    from tests.members.helpers import make_meeting

    return make_meeting(tree.grid, [tree.member]), make_meeting(tree.other_grid, [tree.other_member])


def _dues(tree):
    from tests.members.helpers import make_dues

    return make_dues(tree.member), make_dues(tree.other_member)


def _training(tree):
    from tests.members.helpers import make_class

    return make_class(tree.grid), make_class(tree.other_community)


def _enrolment(tree):
    from tests.members.helpers import make_class

    own = make_class(tree.grid)
    return own.enrolments.create(member=tree.member), own.enrolments.create(member=tree.other_member)


def _duty(tree):
    from members.orglife.models import DutyDone
    from tests.members.helpers import make_meeting

    make_meeting(tree.grid, [])  # ticks the theme party day off (unless an earlier meeting did)
    make_meeting(tree.other_grid, [])
    return DutyDone.objects.get(org=tree.grid), DutyDone.objects.get(org=tree.other_grid)


SCOPED_OBJECTS = {
    "members.dutydone": _duty,
    "members.trainingclass": _training,
    "members.enrolment": _enrolment,
    "members.transfer": _transfer,
    "members.meeting": _meeting,
    "members.duespayment": _dues,
    "members.candidate": _candidate,
    "members.stagefiling": _filing,
    "members.pointentry": _points,
}

OTHER_ROUTES = {
    "members:import": "scoped", "members:import-status": "own", "members:import-template": "scoped",
    "members:branch": "scoped", "members:birthdays": "scoped", "members:transfer-letter": "scoped",
    "members:step-attachment": "scoped (who may see the candidate)",
    "members:dues-review": "scoped (communities the user may change; tests/members/test_dues_review_page.py)",
}


def _quiz(tree):
    from tests.members.helpers import make_class, make_quiz

    return make_quiz(make_class(tree.grid)), make_quiz(make_class(tree.other_community))


def _account(tree):
    from members.selfservice.models import MemberAccount
    from tests.factories import UserFactory

    own = MemberAccount.objects.create(user=UserFactory(username="linked-own", is_staff=False), member=tree.member,
                                       method=MemberAccount.Method.SELF)
    foreign = MemberAccount.objects.create(user=UserFactory(username="linked-foreign", is_staff=False),
                                           member=tree.other_member, method=MemberAccount.Method.SELF)
    return own, foreign


SCOPED_OBJECTS.update({"members.quiz": _quiz, "members.memberaccount": _account})

# The party member's own phone pages: they follow the account's linked member record, not a tree scope; a quiz
# or attempt of another member answers 404 (tests/members/test_self_service.py).
OTHER_ROUTES.update({"party:home": "signed_in", "party:link": "signed_in", "party:quiz": "own",
                     "party:attempt": "own"})


def _attempt(tree):
    from django.utils import timezone

    from members.training.models import QuizAttempt
    from tests.members.helpers import make_class, make_quiz

    attempts = []
    for org, member in ((tree.grid, tree.member), (tree.other_community, tree.other_member)):
        quiz = make_quiz(make_class(org))
        enrolment = quiz.training_class.enrolments.create(member=member)
        attempts.append(QuizAttempt.objects.create(enrolment=enrolment, quiz=quiz, number=1, answers={}, score=80,
                                                   submitted_at=timezone.now()))
    return tuple(attempts)


SCOPED_OBJECTS["members.quizattempt"] = _attempt
READ_ONLY_ADMINS = {"members.quizattempt"}  # scored by the server when the member submitted

# The member-work API (members/<topic>/api.py): every route, every role, own and foreign records, in
# tests/members/test_api_matrix.py.
API_ROUTES = {name: "scoped" for name in (
    "v1:candidate-list", "v1:candidate-detail", "v1:candidate-steps", "v1:candidate-file",
    "v1:stage-filing-list", "v1:stage-filing-detail", "v1:stage-filing-approve", "v1:stage-filing-send-back",
    "v1:transfer-list", "v1:transfer-detail", "v1:transfer-accept", "v1:transfer-send-back", "v1:transfer-complete",
    "v1:dues-payment-list", "v1:dues-payment-detail", "v1:dues-payment-review", "v1:duty-done-list",
    "v1:duty-done-detail",
    "v1:meeting-list", "v1:meeting-detail", "v1:meeting-attendance", "v1:meeting-review",
    "v1:point-entry-list", "v1:point-entry-detail",
    "v1:training-class-list", "v1:training-class-detail", "v1:training-class-enrol",
    "v1:enrolment-list", "v1:enrolment-detail", "v1:enrolment-sign-in", "v1:enrolment-score",
    "v1:quiz-list", "v1:quiz-detail", "v1:quiz-attempt-list", "v1:quiz-attempt-detail",
)}
