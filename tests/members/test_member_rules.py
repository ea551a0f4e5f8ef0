"""A member's record refuses nonsense in plain words, the same in the service, the admin form, the API and the
sheet import: the date of birth and the gender read from the ID-card number (and checked against it), a lowercase
x taken as X, no future dates, joining at 18 or older, made full member a year after joining at the earliest, and
never the name of a database constraint."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from core.errors import ValidationError
from members.imports.engine import member_import
from members.records.models import Member
from members.records.services import member_create, member_update
from members.records.validators import make_id_number
from tests.members.test_import import row, sheet

pytestmark = pytest.mark.django_db

#: A woman's number (sequence 456: the 17th digit is even) whose check character is X.
WOMAN = make_id_number("410105", datetime.date(1985, 2, 3), 456)
#: A man's number (sequence 457).
MAN = make_id_number("410105", datetime.date(1985, 2, 3), 457)
CONSTRAINT_NAMES = ("member_id_number_format", "member_full_date_iff_full", "member_full_after_joined",
                    "member_joined_after_birth", "约束")


def fields(tree, **over):
    values = {"name": "赵六", "id_number": MAN, "org": tree.grid, "joined_on": datetime.date(2010, 7, 1),
              "full_member_on": datetime.date(2011, 7, 1), "status": "full", "category": "direct"}
    values.update(over)
    return values


def refusal(actor, **values):
    with pytest.raises(ValidationError) as exc:
        member_create(actor=actor, **values)
    return exc.value.message_dict


def test_birth_date_and_gender_are_read_from_the_number(tree, community_secretary):
    member = member_create(actor=community_secretary, **fields(tree, id_number=WOMAN.lower()))
    member.refresh_from_db()
    assert (member.id_number, member.gender, member.birth_date) == (WOMAN, "F", datetime.date(1985, 2, 3))


def test_a_gender_against_the_number_is_refused(tree, community_secretary):
    errors = refusal(community_secretary, **fields(tree, id_number=WOMAN, gender="M"))
    assert list(errors) == ["gender"] and "Female" in errors["gender"][0]
    with translation.override("zh-hans"):
        errors = refusal(community_secretary, **fields(tree, id_number=WOMAN, gender="M"))
    assert "女" in errors["gender"][0]


def test_no_future_dates(tree, community_secretary):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    errors = refusal(community_secretary, **fields(tree, joined_on=tomorrow, full_member_on=None,
                                                   status="probationary"))
    assert errors["joined_on"] == ["The date cannot be in the future."]
    errors = refusal(community_secretary, **fields(tree, full_member_on=tomorrow))
    assert errors["full_member_on"] == ["The date cannot be in the future."]


def test_joining_at_18_or_older(tree, community_secretary):
    child = make_id_number("410105", datetime.date(2015, 3, 4), 457)
    errors = refusal(community_secretary, **fields(tree, id_number=child, joined_on=datetime.date(2025, 7, 1),
                                                   full_member_on=None, status="probationary"))
    assert errors["joined_on"] == ["A member joins the Party at 18 or older: born on 2015-03-04, they could join on "
                                   "2033-03-04 at the earliest."]
    # On the 18th birthday, it is allowed.
    member_create(actor=community_secretary, **fields(tree, id_number=MAN, joined_on=datetime.date(2003, 2, 3),
                                                      full_member_on=datetime.date(2004, 2, 3)))


def test_the_probationary_year(tree, community_secretary):
    errors = refusal(community_secretary, **fields(tree, full_member_on=datetime.date(2011, 1, 1)))
    assert errors["full_member_on"] == ["The probationary period lasts a year: a member who joined on 2010-07-01 is "
                                        "made full member on 2011-07-01 at the earliest."]
    errors = refusal(community_secretary, **fields(tree, full_member_on=None))
    assert "a member not yet made full is a probationary member" in errors["full_member_on"][0]
    errors = refusal(community_secretary, **fields(tree, status="probationary"))
    assert "choose the status Full member" in errors["full_member_on"][0]


def test_a_record_kept_before_the_rules_can_still_be_corrected(tree, community_secretary):
    # A member recorded under the old rules (joined at 16, made full after three months, gender against the
    # number): correcting the phone is not refused for what the change does not touch.
    old = tree.member
    Member.objects.filter(pk=old.pk).update(
        joined_on=old.birth_date.replace(year=old.birth_date.year + 16, day=1),
        full_member_on=old.birth_date.replace(year=old.birth_date.year + 16, day=1) + datetime.timedelta(days=90),
        gender="F" if int(old.id_number[16]) % 2 else "M")
    old.refresh_from_db()
    member_update(actor=community_secretary, member=old, phone="13912345678")
    with pytest.raises(ValidationError) as exc:
        member_update(actor=community_secretary, member=old, joined_on=old.joined_on - datetime.timedelta(days=1))
    assert "18 or older" in exc.value.message_dict["joined_on"][0]


def _post(tree, **over):
    values = {"name": "赵六", "gender": "", "ethnicity": "汉族", "id_number": MAN, "birth_date": "", "phone": "",
              "education": "", "org": tree.grid.pk, "joined_on": "2010-07-01", "full_member_on": "2011-07-01",
              "status": "full", "category": "direct"}
    values.update(over)
    return values


@pytest.mark.parametrize("over, field, words", [
    ({"id_number": "41010519850203"}, "id_number", "17 位数字"),
    ({"id_number": "410105198502031234"}, "id_number", "校验"),
    ({"status": "probationary"}, "full_member_on", "预备党员尚未转正"),
    ({"full_member_on": "2010-01-01"}, "full_member_on", "转正日期必须晚于入党日期"),
    ({"full_member_on": "2011-03-01"}, "full_member_on", "预备期为一年"),
    ({"full_member_on": ""}, "full_member_on", "正式党员须填写转正日期"),
    ({"joined_on": "1980-01-01"}, "joined_on", "入党日期必须晚于出生日期"),
    ({"joined_on": "2000-01-01", "full_member_on": "2001-01-01"}, "joined_on", "年满18周岁"),
    ({"id_number": WOMAN, "gender": "M"}, "gender", "女"),
    ({"joined_on": "2099-01-01", "full_member_on": ""}, "joined_on", "不能晚于今天"),
])
def test_the_admin_form_says_why_in_chinese(client, tree, community_secretary, over, field, words):
    client.force_login(community_secretary)
    response = client.post(reverse("admin:members_member_add"), _post(tree, **over), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert words in " ".join(errors[field]), errors
    body = response.content.decode()
    assert not any(name in body for name in CONSTRAINT_NAMES)
    assert not Member.objects.filter(name="赵六").exists()


def test_the_admin_form_fills_in_a_lowercase_x_number(client, tree, community_secretary):
    client.force_login(community_secretary)
    response = client.post(reverse("admin:members_member_add"), _post(tree, id_number=WOMAN.lower()),
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    member = Member.objects.get(name="赵六")
    assert (member.id_number, member.gender, member.birth_date) == (WOMAN, "F", datetime.date(1985, 2, 3))


def test_the_api_says_why_in_chinese(tree, community_secretary):
    api = APIClient()
    api.force_authenticate(community_secretary)
    data = {**_post(tree, id_number=WOMAN, gender="M", joined_on="2000-01-01", full_member_on="2000-06-01")}
    del data["birth_date"]
    response = api.post("/api/v1/members/", data, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    body = response.json()
    assert "女" in body["gender"][0] and "年满18周岁" in body["joined_on"][0] and "预备期为一年" in body[
        "full_member_on"][0]
    data.update(gender="", joined_on="2010-07-01", full_member_on="2011-07-01", id_number=WOMAN.lower())
    response = api.post("/api/v1/members/", data, format="json")
    assert response.status_code == 201, response.json()
    assert Member.objects.get(pk=response.json()["id"]).gender == "F"


def test_the_import_says_why_on_the_row(tree, community_secretary):
    woman = make_id_number("410105", datetime.date(1980, 5, 6), 702)
    child = make_id_number("410105", datetime.date(2015, 5, 6), 703)
    rows = [row(1), row(2, id_number=woman, gender="男"), row(3, id_number=child, joined_on=datetime.date(2025, 1, 1),
                                                          full_member_on="", status="预备党员"),
            row(5, full_member_on=datetime.date(2005, 12, 1)), row(7, id_number=WOMAN.lower(),
                                                                    gender="")]
    with translation.override("zh-hans"):
        result = member_import(actor=community_secretary, dataset=sheet(rows))
        messages = {e.row: str(e) for e in result.errors}
    assert set(messages) == {3, 4, 5}, messages
    assert "女" in messages[3] and "年满18周岁" in messages[4] and "预备期为一年" in messages[5]
