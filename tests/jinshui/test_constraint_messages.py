"""No constraint's name ever reaches a user: every constraint of every model says in words (and in Chinese) what
it refuses, and an IntegrityError the services could not foresee (a race) is told by that message as a 400/409,
a form error or a page message, by the shared layer in core/."""

import datetime

import pytest
from django.apps import apps
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.constraints import BaseConstraint
from django.test import RequestFactory
from django.utils import translation

from core.api import exception_handler
from core.constraints import IntegrityErrorMiddleware, integrity_refusal
from core.errors import ConflictError
from members.records.models import BirthdayGreeting, Member


def _constraints():
    return [(f"{model._meta.label}.{c.name}", c) for model in apps.get_models() for c in model._meta.constraints]


def test_every_constraint_has_its_own_message_in_chinese():
    constraints = _constraints()
    assert len(constraints) > 150
    default = str(BaseConstraint.default_violation_error_message)
    missing = [label for label, c in constraints if str(c.violation_error_message) == default]
    assert not missing, f"constraints without a violation_error_message: {missing}"
    with translation.override("zh-hans"):
        untranslated = [label for label, c in constraints
                        if not any("\u4e00" <= ch <= "\u9fff" for ch in str(c.violation_error_message))]
        named = [label for label, c in constraints if c.name in str(c.violation_error_message)]
    assert not untranslated, f"messages with no Chinese translation: {untranslated}"
    assert not named


def _integrity_error(create):
    try:
        with transaction.atomic():
            create()
    except IntegrityError as exc:
        return exc
    raise AssertionError("the database accepted it")


@pytest.mark.django_db
def test_a_broken_rule_from_the_database_is_told_in_words(tree):
    member = tree.member
    exc = _integrity_error(lambda: Member.objects.filter(pk=member.pk).update(id_number="41010519850203"))
    with translation.override("zh-hans"):
        refusal = integrity_refusal(exc)
    assert isinstance(refusal, ValidationError)
    assert refusal.messages == ["身份证号由 17 位数字加 1 位数字或 X 组成。"]


@pytest.mark.django_db
def test_a_duplicate_from_the_database_is_a_conflict_in_words(tree):
    BirthdayGreeting.objects.create(member=tree.member, year=2026, on=datetime.date(2026, 7, 1), party_years=5)
    exc = _integrity_error(lambda: BirthdayGreeting.objects.create(
        member=tree.member, year=2026, on=datetime.date(2026, 7, 1), party_years=5))
    with translation.override("zh-hans"):
        refusal = integrity_refusal(exc)
        response = exception_handler(exc, {})
    assert isinstance(refusal, ConflictError) and refusal.message == "今年已向该党员发送政治生日祝福。"
    assert response.status_code == 409
    assert response.data == {"code": "conflict", "detail": "今年已向该党员发送政治生日祝福。"}


@pytest.mark.django_db
def test_the_api_answers_a_broken_rule_as_a_400(tree):
    exc = _integrity_error(lambda: Member.objects.filter(pk=tree.member.pk).update(full_member_on=None))
    with translation.override("zh-hans"):
        response = exception_handler(exc, {})
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["正式党员须有转正日期，预备党员尚无转正日期。"]}


@pytest.mark.django_db
def test_a_page_that_let_one_through_shows_the_message_not_a_500(tree):
    BirthdayGreeting.objects.create(member=tree.member, year=2026, on=datetime.date(2026, 7, 1), party_years=5)
    exc = _integrity_error(lambda: BirthdayGreeting.objects.create(
        member=tree.member, year=2026, on=datetime.date(2026, 7, 1), party_years=5))
    middleware = IntegrityErrorMiddleware(lambda request: None)
    request = RequestFactory().post("/admin/members/birthdaygreeting/add/")
    request.session = {}
    request._messages = FallbackStorage(request)
    with translation.override("zh-hans"):
        response = middleware.process_exception(request, exc)
        assert response.status_code == 302 and response["Location"] == "/admin/members/birthdaygreeting/add/"
        assert [str(m) for m in request._messages] == ["今年已向该党员发送政治生日祝福。"]
        page = middleware.process_exception(RequestFactory().get("/members/x/"), exc)
        api = middleware.process_exception(RequestFactory().post("/api/v1/x/"), exc)
    assert page.status_code == 409 and page.content.decode() == "今年已向该党员发送政治生日祝福。"
    assert api.status_code == 409 and "今年已向该党员发送政治生日祝福" in api.content.decode()
    assert middleware.process_exception(request, ValueError("x")) is None
