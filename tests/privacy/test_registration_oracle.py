"""Registering is no way to learn whether an ID-card number is held somewhere in the district: whoever may not
change the record holding it gets the same refusal as any other, and the district sees the attempts."""

import datetime

import pytest
import tablib
from django.urls import reverse
from rest_framework.test import APIClient

from core.errors import ValidationError
from members.development.services import candidate_create
from members.imports.engine import member_import
from members.records.models import Member, RegistrationConflict
from members.records.services import member_create
from members.records.validators import make_id_number
from tests.members.helpers import make_candidate

pytestmark = pytest.mark.django_db

REFUSED = "This ID-card number cannot be registered here; ask the district."


def _fields(tree, id_number, org=None):
    return {"name": "孙试探", "gender": "M", "id_number": id_number, "org": org or tree.grid,
            "joined_on": datetime.date(2015, 7, 1), "status": "probationary", "category": "direct"}


def test_member_create_answers_a_foreign_number_as_any_refusal(tree, community_secretary, district_user):
    foreign = tree.other_member.id_number
    with pytest.raises(ValidationError) as exc:
        member_create(actor=community_secretary, **_fields(tree, foreign))
    assert exc.value.message_dict["id_number"] == [REFUSED]
    conflict = RegistrationConflict.objects.get()
    assert (conflict.user, conflict.member, conflict.org, conflict.channel) == (
        community_secretary, tree.other_member, tree.grid, "member")
    # The district (who may change the holder) is told precisely, and nothing is logged for them.
    with pytest.raises(ValidationError) as exc:
        member_create(actor=district_user, **_fields(tree, foreign))
    assert "already registered" in exc.value.message_dict["id_number"][0]
    assert RegistrationConflict.objects.count() == 1


def test_own_duplicate_is_named(tree, community_secretary):
    with pytest.raises(ValidationError) as exc:
        member_create(actor=community_secretary, **_fields(tree, tree.member.id_number))
    assert "already registered" in exc.value.message_dict["id_number"][0]
    assert not RegistrationConflict.objects.exists()


def test_candidate_create_answers_a_foreign_member_or_candidate_the_same(tree, community_secretary):
    other_candidate = make_candidate(tree.other_grid, name="周外人")
    for number in (tree.other_member.id_number, other_candidate.id_number):
        with pytest.raises(ValidationError) as exc:
            candidate_create(actor=community_secretary, name="孙试探", gender="M", id_number=number, org=tree.grid,
                             applied_on=datetime.date(2021, 1, 4), reviewer="李书记")
        assert exc.value.message_dict["id_number"] == [REFUSED]
    assert RegistrationConflict.objects.filter(channel="candidate").count() == 2
    assert RegistrationConflict.objects.filter(candidate=other_candidate).exists()


def test_admin_and_api_answers(client, tree, community_secretary, district_user):
    client.force_login(community_secretary)
    data = {**_fields(tree, tree.other_member.id_number), "org": tree.grid.pk, "ethnicity": "汉族",
            "joined_on": "2015-07-01", "birth_date": ""}
    body = client.post(reverse("admin:members_member_add"), data).content.decode()
    assert "不能在此登记" in body and "已登记" not in body
    api = APIClient()
    api.force_authenticate(community_secretary)
    response = api.post("/api/v1/members/", {k: v for k, v in data.items() if k != "birth_date"}, format="json")
    assert response.status_code == 400
    text = response.content.decode()
    assert "不能在此登记" in text and "已登记" not in text
    assert RegistrationConflict.objects.filter(user=community_secretary).count() == 2
    # The district sees the attempts in the admin.
    client.force_login(district_user)
    page = client.get(reverse("admin:members_registrationconflict_changelist"))
    assert page.status_code == 200 and tree.other_member.id_number in page.content.decode()
    client.force_login(community_secretary)
    assert client.get(reverse("admin:members_registrationconflict_changelist")).status_code == 403


def test_import_answers_a_foreign_number_as_any_refusal(tree, community_secretary):
    free = make_id_number("410105", datetime.date(1990, 2, 3), 123)
    headers = ["name", "id_number", "joined_on", "status", "org_code"]
    rows = [("孙试探", tree.other_member.id_number, "2015-07-01", "probationary", tree.grid.code),
            ("王重复", tree.member.id_number, "2015-07-01", "probationary", tree.grid.code),
            ("新人", free, "2015-07-01", "probationary", tree.grid.code)]
    result = member_import(actor=community_secretary, dataset=tablib.Dataset(*rows, headers=headers))
    messages = {e.row: e.message for e in result.errors}
    assert messages[2] == REFUSED
    assert "already registered" in messages[3]
    assert not Member.objects.filter(id_number=free).exists()
    assert RegistrationConflict.objects.get().channel == "import"


def test_candidate_admin_form_answers_the_same(client, tree, community_secretary):
    client.force_login(community_secretary)
    body = client.post(reverse("admin:members_candidate_add"), {
        "name": "孙试探", "gender": "M", "ethnicity": "汉族", "id_number": tree.other_member.id_number, "phone": "",
        "education": "", "org": tree.grid.pk, "applied_on": "2021-01-04", "reviewer": "李书记"}).content.decode()
    assert "不能在此登记" in body and "已存在" not in body and "已是党员" not in body
    assert RegistrationConflict.objects.filter(channel="candidate", member=tree.other_member).exists()
