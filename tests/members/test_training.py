import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from members.training.selectors import enrolment_list, training_class_list
from members.training.services import (
    training_class_create,
    training_class_update,
    training_enrol,
    training_quiz_score,
    training_sign_in,
)
from tests.members.helpers import make_class

pytestmark = pytest.mark.django_db


def test_enrol_sign_in_hours_and_quiz(tree, community_secretary, street_secretary):
    klass = make_class(tree.street)  # the street's class: the community's members attend
    assert klass in training_class_list(user=community_secretary)
    enrolment = training_enrol(actor=community_secretary, training_class=klass,
                               members=[tree.member]).get()
    with pytest.raises(PermissionDenied):
        training_enrol(actor=community_secretary, training_class=klass, members=[tree.other_member])
    foreign_class = make_class(tree.other_community, name="外街道培训班")
    with pytest.raises(PermissionDenied, match="class is organized outside"):
        training_enrol(actor=community_secretary, training_class=foreign_class, members=[tree.member])
    training_sign_in(actor=community_secretary, enrolment=enrolment, on=datetime.date(2026, 4, 1),
                     hours="3.25")
    enrolment = training_sign_in(actor=street_secretary, enrolment=enrolment, on=datetime.date(2026, 4, 2),
                                 hours=4.5)
    assert enrolment.hours == Decimal("7.8")  # 3.3 + 4.5: hours to 0.1 h
    with pytest.raises(ValidationError, match="Already signed in"):
        training_sign_in(actor=community_secretary, enrolment=enrolment, on=datetime.date(2026, 4, 2),
                         hours=1)
    with pytest.raises(ValidationError, match="runs from"):
        training_sign_in(actor=community_secretary, enrolment=enrolment, on=datetime.date(2026, 4, 9),
                         hours=1)
    with pytest.raises(ValidationError, match="0.1 and 12"):
        training_sign_in(actor=community_secretary, enrolment=enrolment, on=datetime.date(2026, 4, 3),
                         hours=13)
    assert training_quiz_score(actor=community_secretary, enrolment=enrolment, score=92.5).quiz_score == \
        Decimal("92.5")
    with pytest.raises(ValidationError):
        training_quiz_score(actor=community_secretary, enrolment=enrolment, score=101)


def test_class_rules_and_scope(tree, community_secretary, django_assert_num_queries):
    with pytest.raises(PermissionDenied):
        training_class_create(actor=community_secretary, organizer=tree.street, name="x",
                              starts_on=datetime.date(2026, 4, 1), ends_on=datetime.date(2026, 4, 2),
                              planned_hours=4)
    with pytest.raises(ValidationError, match="end before"):
        training_class_create(actor=community_secretary, organizer=tree.community, name="x",
                              starts_on=datetime.date(2026, 4, 2), ends_on=datetime.date(2026, 4, 1),
                              planned_hours=4)
    make_class(tree.other_community, name="外")
    own = make_class(tree.community, name="本")
    community_secretary.__dict__.pop("_jinshui_scope", None)
    with django_assert_num_queries(2):
        assert [c.name for c in training_class_list(user=community_secretary)] == ["本"]
    own.enrolments.create(member=tree.member)
    with django_assert_num_queries(1):
        assert len(enrolment_list(user=community_secretary)) == 1


def test_admin_sign_in_and_lists(client, tree, community_secretary, django_assert_max_num_queries):
    klass = make_class(tree.community)
    enrolment = klass.enrolments.create(member=tree.member)
    client.force_login(community_secretary)
    url = reverse("admin:members_enrolment_change", args=[enrolment.pk])
    response = client.post(url, {"what": "sign_in", "on": "2026-04-01", "value": "2.5"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.hours == Decimal("2.5")
    for name in ("trainingclass", "enrolment"):
        changelist = reverse(f"admin:members_{name}_changelist")
        client.get(changelist)
        with django_assert_max_num_queries(12):
            assert client.get(changelist).status_code == 200


def test_class_changes_through_the_service(client, tree, community_secretary, street_secretary):
    klass = make_class(tree.street)
    with pytest.raises(PermissionDenied):  # the street's class: the community's members attend it, no more
        training_class_update(actor=community_secretary, training_class=klass, name="改名")
    changed = training_class_update(actor=street_secretary, training_class=klass, name=" 新名 ", planned_hours="12.25")
    assert (changed.name, changed.planned_hours) == ("新名", Decimal("12.3"))
    assert changed.history.first().history_user == street_secretary
    with pytest.raises(ValidationError, match="cannot end before"):
        training_class_update(actor=street_secretary, training_class=klass, ends_on=datetime.date(2026, 3, 1))
    client.force_login(street_secretary)
    response = client.post(reverse("admin:members_trainingclass_change", args=[klass.pk]), {
        "name": "党校春季班", "organizer": tree.street.pk, "starts_on": "2026-04-01", "ends_on": "2026-04-05",
        "planned_hours": "16", "enrolments-TOTAL_FORMS": 0, "enrolments-INITIAL_FORMS": 0})
    assert response.status_code == 302, response.context["adminform"].form.errors
    klass.refresh_from_db()
    assert klass.name == "党校春季班" and klass.history.first().history_user == street_secretary
