"""Every answer about a member or a candidate to someone who may not change them: nothing in it rebuilds what it
masks (the ID-card number, the phone, the date of birth read from the number). Lists and the masked exports are
masked for everyone, so they are probed for every role; the positive control checks that the probe can see a
leak (whoever may change the record gets it in full on its page)."""

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from members.development.models import Candidate
from members.records.models import Member, PersonalDataReveal
from members.records.services import member_update
from tests.members.helpers import district_actor, make_dues, make_meeting, make_points

from .conftest import BIRTH, CANDIDATE_BIRTH, answer_text, rebuild_leaks

pytestmark = pytest.mark.django_db

#: Roles who may look at the subject but not change it.
VIEWERS = ["inspector", "onlooker"]
#: Everybody who sees the subject at all.
EVERYONE = ["district_user", "street_secretary", "community_secretary", "inspector", "onlooker"]

PROBED = {"routes": set(), "pairs": 0, "exports": set()}


@pytest.fixture
def history(subject, candidate):
    """Changes in each record's history (phone and name), so the history pages have deltas to show."""
    member_update(actor=district_actor(), member=Member.objects.select_related("org").get(pk=subject.pk),
                  phone="13084179892")
    member_update(actor=district_actor(), member=Member.objects.select_related("org").get(pk=subject.pk),
                  phone=subject.phone)
    return subject


def _member_pages(subject):
    version = subject.history.order_by("history_id").first().history_id
    return {
        "member list": reverse("admin:members_member_changelist"),
        "member list searched": reverse("admin:members_member_changelist") + "?q=赵隐私",
        "member page": reverse("admin:members_member_change", args=[subject.pk]),
        "member history": reverse("admin:members_member_history", args=[subject.pk]),
        "member old version": reverse("admin:members_member_simple_history", args=[subject.pk, version]),
        "member autocomplete": reverse("admin:autocomplete") + "?app_label=members&model_name=pointentry"
                                                               "&field_name=member&term=赵",
        "API member list": "/api/v1/members/",
        "API member list searched": "/api/v1/members/?search=赵隐私",
        "API member detail": f"/api/v1/members/{subject.pk}/",
        "birthdays": reverse("members:birthdays"),
    }


def _candidate_pages(candidate):
    version = candidate.history.order_by("history_id").first().history_id
    return {
        "candidate list": reverse("admin:members_candidate_changelist"),
        "candidate list searched": reverse("admin:members_candidate_changelist") + "?q=钱申请",
        "candidate page": reverse("admin:members_candidate_change", args=[candidate.pk]),
        "candidate history": reverse("admin:members_candidate_history", args=[candidate.pk]),
        "candidate old version": reverse("admin:members_candidate_simple_history", args=[candidate.pk, version]),
    }


def _get(client, user, url):
    if url.startswith("/api/"):
        api = APIClient()
        api.force_authenticate(user)
        return api.get(url)
    client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize("role", VIEWERS)
def test_viewers_cannot_rebuild_a_member_or_candidate(client, request, role, history, candidate):
    user = request.getfixturevalue(role)
    subject = history
    for name, url in _member_pages(subject).items():
        response = _get(client, user, url)
        assert response.status_code == 200, (name, response.status_code)
        text = answer_text(response)
        assert subject.name in text or name in ("birthdays",), name
        leaks = rebuild_leaks(text, subject.id_number, subject.phone, BIRTH)
        assert not leaks, f"{role} on {name}: {leaks}"
        # The history shows the change of phone, masked both ways.
        assert "13084179892" not in text, name
        PROBED["routes"].add(name)
        PROBED["pairs"] += 1
    for name, url in _candidate_pages(candidate).items():
        response = _get(client, user, url)
        assert response.status_code == 200, (name, response.status_code)
        text = answer_text(response)
        assert candidate.name in text, name
        leaks = rebuild_leaks(text, candidate.id_number, candidate.phone, CANDIDATE_BIRTH)
        assert not leaks, f"{role} on {name}: {leaks}"
        PROBED["routes"].add(name)
        PROBED["pairs"] += 1
    # Looking is not seeing: nothing was revealed, so nothing is in the reveal log.
    assert not PersonalDataReveal.objects.filter(user=user).exists()


@pytest.mark.parametrize("role", EVERYONE)
def test_lists_are_masked_for_everyone(client, request, role, subject, candidate):
    user = request.getfixturevalue(role)
    lists = {k: v for k, v in {**_member_pages(subject), **_candidate_pages(candidate)}.items()
             if "list" in k or "autocomplete" in k}
    for name, url in lists.items():
        response = _get(client, user, url)
        assert response.status_code == 200, (name, response.status_code)
        text = answer_text(response)
        person = (candidate.id_number, candidate.phone, CANDIDATE_BIRTH) if "candidate" in name else (
            subject.id_number, subject.phone, BIRTH)
        assert not rebuild_leaks(text, *person), f"{role} on {name}"
        PROBED["pairs"] += 1


@pytest.mark.parametrize("role", ["community_secretary", "district_user"])
def test_whoever_may_change_sees_in_full_and_it_is_logged(client, request, role, history, candidate):
    """The positive control: the probe finds a leak where the full values are rightly shown."""
    user = request.getfixturevalue(role)
    subject = history
    for name in ("member page", "API member detail"):
        text = answer_text(_get(client, user, _member_pages(subject)[name]))
        assert rebuild_leaks(text, subject.id_number, subject.phone, BIRTH), name
    text = answer_text(_get(client, user, _candidate_pages(candidate)["candidate page"]))
    assert candidate.id_number in text and candidate.phone in text
    history_text = answer_text(_get(client, user, _member_pages(subject)["member history"]))
    assert "13084179892" in history_text
    assert PersonalDataReveal.objects.filter(user=user, candidate=candidate, channel="admin").exists()
    assert PersonalDataReveal.objects.filter(user=user, member=subject, channel="admin").exists()


def _export(client, user, changelist, action, pks):
    client.force_login(user)
    response = client.post(reverse(changelist), {"action": action, "_selected_action": pks})
    assert response.status_code == 200, response.status_code
    return response


@pytest.mark.parametrize("role", EVERYONE)
def test_masked_member_exports_carry_no_reveal(client, request, role, subject):
    user = request.getfixturevalue(role)
    for action in ("export_masked_csv", "export_masked_xlsx"):
        text = answer_text(_export(client, user, "admin:members_member_changelist", action, [subject.pk]))
        assert subject.name in text
        assert not rebuild_leaks(text, subject.id_number, subject.phone, BIRTH), (role, action)
        PROBED["exports"].add(action)
        PROBED["pairs"] += 1
    assert not PersonalDataReveal.objects.filter(user=user).exists()


@pytest.mark.parametrize("role", VIEWERS)
def test_topic_exports_mask_for_viewers(client, request, role, subject):
    from members.orglife.models import Meeting
    from members.points.models import PointEntry
    from members.dues.models import DuesPayment

    user = request.getfixturevalue(role)
    make_points(subject)
    make_dues(subject, paid=10)
    make_meeting(subject.org, present=[subject])
    exports = {
        "points": ("admin:members_pointentry_changelist", PointEntry.objects.filter(member=subject)),
        "dues": ("admin:members_duespayment_changelist", DuesPayment.objects.filter(member=subject)),
        "attendance": ("admin:members_meeting_changelist", Meeting.objects.filter(org=subject.org)),
    }
    actions = {"points": "export_xlsx", "dues": "export_xlsx", "attendance": "export_attendance_xlsx"}
    for name, (changelist, rows) in exports.items():
        text = answer_text(_export(client, user, changelist, actions[name], list(rows.values_list("pk", flat=True))))
        assert subject.name in text, name
        assert not rebuild_leaks(text, subject.id_number, subject.phone, BIRTH), (role, name)
        PROBED["exports"].add(name)
        PROBED["pairs"] += 1


def test_the_masked_api_answer_has_no_birth_date(tree, subject, inspector, community_secretary):
    api = APIClient()
    api.force_authenticate(inspector)
    row = next(r for r in api.get("/api/v1/members/").json()["results"] if r["id"] == subject.pk)
    assert "birth_date" not in row and row["id_number"] == "41****************"
    assert "birth_date" not in api.get(f"/api/v1/members/{subject.pk}/").json()
    api.force_authenticate(community_secretary)
    assert api.get(f"/api/v1/members/{subject.pk}/").json()["birth_date"] == BIRTH.isoformat()


def test_probe_counts():
    """Not a check: prints what the suite probed (routes × roles, exports), for the record."""
    print(f"\nprivacy probes: {len(PROBED['routes'])} routes, {PROBED['pairs']} route×role answers, "
          f"exports: {sorted(PROBED['exports'])}")


__all__ = ["Candidate", "datetime"]


def test_the_probe_tells_an_id_tail_from_another_persons_masked_phone():
    from members.records.validators import make_id_number

    id_number = make_id_number("410105", BIRTH, 357)
    tail = id_number[-4:]
    assert rebuild_leaks(f"身份证 **************{tail}", id_number, "", BIRTH)
    assert rebuild_leaks(f"4101************{tail}", id_number, "", BIRTH)
    assert not rebuild_leaks(f"电话 138****{tail}", id_number, "", BIRTH)
