"""History pages: simple-history's old-version form saved on POST after a view check only. Every admin with a
history now refuses the POST of whoever may not change the object as it is now, and shows personal fields
masked to them."""

import datetime

import pytest
from django.contrib import admin
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scoping import HistoryWriteGuardMixin, ScopedAdminMixin
from members.training.models import TrainingClass
from tests.factories import Role, UserFactory, grant
from tests.members.helpers import (
    make_candidate,
    make_class,
    make_dues,
    make_meeting,
    make_points,
    make_quiz,
    make_transfer,
    record_to,
)

pytestmark = pytest.mark.django_db


def _history_objects(tree):
    """One object of each model whose admin has a history, in the street S01 (the community secretary of S01C01
    may see it, or it is organized above them)."""
    from community.models import DuesRefund
    from tests.community.factories import DuesRefundFactory
    from tests.servicecenters.factories import CenterFactory, RoomFactory

    candidate = record_to(make_candidate(tree.grid), 4)
    objects = {
        "grids.orgnode": tree.grid,
        "members.member": tree.member,
        "members.candidate": candidate,
        "members.stagefiling": candidate.filings.first(),
        "members.trainingclass": make_class(tree.street),
        "members.meeting": make_meeting(tree.grid, present=[tree.member]),
        "members.pointentry": make_points(tree.member),
        "members.duespayment": make_dues(tree.member),
        "members.transfer": make_transfer(tree.member, tree.other_grid),
    }
    objects["members.quiz"] = make_quiz(objects["members.trainingclass"])
    objects["community.duesrefund"] = DuesRefundFactory(org__node=tree.community)
    center = CenterFactory()
    objects["servicecenters.servicecenter"] = center
    objects["servicecenters.room"] = RoomFactory(center=center)
    assert DuesRefund.objects.exists()
    return objects


def test_every_admin_with_a_history_refuses_a_post_from_who_may_not_change(client, tree):
    """An inspector reads everything and changes nothing: no history form takes their POST."""
    inspector = grant(UserFactory(username="inspector"), Role.INSPECTOR)
    objects = _history_objects(tree)
    with_history = {f"{m._meta.app_label}.{m._meta.model_name}": a for m, a in admin.site._registry.items()
                    if isinstance(a, SimpleHistoryAdmin)}
    # Every admin with a history has the guard: scoped by the tree (ScopedAdminMixin) or HistoryWriteGuardMixin.
    unguarded = {label for label, a in with_history.items()
                 if not isinstance(a, (ScopedAdminMixin, HistoryWriteGuardMixin))}
    assert not unguarded, unguarded
    client.force_login(inspector)
    probed = 0
    for label, obj in objects.items():
        if label not in with_history:
            continue
        model = type(obj)._meta.concrete_model
        version = model.history.filter(id=obj.pk).order_by("history_id").first()
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history",
                      args=[obj.pk, version.history_id])
        response = client.post(url, {"name": "改名", "reason": "改", "topic": "改"})
        assert response.status_code in (403, 404), (label, response.status_code)
        probed += 1
    assert probed >= 12


def test_community_secretary_cannot_rename_the_streets_class_from_its_history(client, tree, community_secretary):
    klass = make_class(tree.street, name="街道党校培训班")
    version = klass.history.order_by("history_id").first()
    client.force_login(community_secretary)
    url = reverse("admin:members_trainingclass_simple_history", args=[klass.pk, version.history_id])
    assert client.get(url).status_code == 200  # they attend it, they may look
    response = client.post(url, {"name": "改名了", "organizer": tree.community.pk, "starts_on": "2026-04-01",
                                 "ends_on": "2026-04-05", "planned_hours": "16"})
    assert response.status_code == 403
    assert TrainingClass.objects.get(pk=klass.pk).name == "街道党校培训班"


def test_who_may_change_still_reverts_through_the_service(client, tree, street_secretary):
    klass = make_class(tree.street, name="街道党校培训班")
    from members.training.services import training_class_update
    training_class_update(actor=street_secretary, training_class=klass, name="改过的名字")
    first = klass.history.order_by("history_id").first()
    client.force_login(street_secretary)
    url = reverse("admin:members_trainingclass_simple_history", args=[klass.pk, first.history_id])
    response = client.post(url, {"name": "街道党校培训班", "organizer": tree.street.pk, "starts_on": "2026-04-01",
                                 "ends_on": "2026-04-05", "planned_hours": "16"})
    assert response.status_code == 302
    klass.refresh_from_db()
    assert klass.name == "街道党校培训班"
    assert klass.history.first().history_user == street_secretary


def test_member_history_masks_the_change_of_phone_for_readers(client, tree, subject, inspector, district_user):
    from members.records.services import member_update

    member_update(actor=district_user, member=subject, phone="13084179892")
    url = reverse("admin:members_member_history", args=[subject.pk])
    client.force_login(inspector)
    body = client.get(url).content.decode()
    assert "13084179892" not in body and subject.phone not in body
    assert "130****9892" in body and "139****4321" in body
    client.force_login(district_user)
    body = client.get(url).content.decode()
    assert "13084179892" in body


def test_candidate_page_masks_the_id_number_for_inspectors(client, tree, candidate, inspector):
    client.force_login(inspector)
    body = client.get(reverse("admin:members_candidate_change", args=[candidate.pk])).content.decode()
    assert candidate.id_number not in body and candidate.masked_id_number in body
    assert candidate.phone not in body and candidate.masked_phone in body


__all__ = ["datetime"]
