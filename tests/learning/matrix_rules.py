"""Scope rules of online learning's admins and pages (read by tests/accounts/test_permission_matrix.py)."""

import datetime

DISTRICT_ONLY_ADMINS = {"learning.topic", "learning.question"}


def _author():
    from accounts.models import Role
    from tests.factories import UserFactory, grant

    user = UserFactory(username="learning-author")
    if not user.role_grants.exists():
        grant(user, Role.DISTRICT_STAFF)
    return user


def _lesson(tree):
    from django.utils import timezone

    from learning.models import Lesson, Topic

    topic, _c = Topic.objects.get_or_create(name="党章党规")
    return tuple(Lesson.objects.create(title=f"课程{n}", topic=topic, body="正文", org=org, created_by=_author(),
                                       published_at=timezone.now()) for n, org in enumerate((tree.grid,
                                                                                               tree.other_street)))


def _contest(tree):
    from django.utils import timezone

    from learning.models import Contest

    now = timezone.now()
    return tuple(Contest.objects.create(title=f"竞赛{n}", org=org, opens_at=now, closes_at=now + datetime.timedelta(1),
                                        created_by=_author()) for n, org in enumerate((tree.grid, tree.other_street)))


SCOPED_OBJECTS = {"learning.lesson": _lesson, "learning.contest": _contest}

# The member's own learning pages follow the account's linked member record: another area's lesson or contest, or
# another member's attempt, answers 404 (tests/learning/test_pages.py).
OTHER_ROUTES = {"learn:home": "signed_in", "learn:lesson": "own", "learn:practice": "own", "learn:contest": "own",
                "learn:start": "own", "learn:paper": "own", "party:record": "signed_in",
                "party:development": "signed_in"}
