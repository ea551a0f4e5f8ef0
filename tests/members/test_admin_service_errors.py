"""The member form submitted twice at once: the losing save's refusal (raised by the service inside the admin's
save_model) is shown on the form, not a 500; the losing save leaves nothing."""

import datetime

import pytest
from django.urls import reverse

from members.records import admin as member_admin
from members.records.models import Member
from members.records.validators import make_id_number

pytestmark = pytest.mark.django_db


def _post(tree, **over):
    values = {"name": "赵六", "gender": "F", "ethnicity": "汉族",
              "id_number": make_id_number("410105", datetime.date(1985, 2, 3), 456), "birth_date": "1985-02-03",
              "phone": "", "education": "", "org": tree.grid.pk, "joined_on": "2010-07-01",
              "full_member_on": "2011-07-01", "status": "full", "category": "direct"}
    values.update(over)
    return values


def test_the_losing_save_of_a_double_submit_is_a_form_error(client, tree, community_secretary, monkeypatch):
    create = member_admin.member_create

    def rival_wins_first(*, actor, **fields):
        if not Member.objects.filter(id_number=fields["id_number"]).exists():
            create(actor=actor, **fields)  # the other copy of the form, a moment earlier
        return create(actor=actor, **fields)

    monkeypatch.setattr(member_admin, "member_create", rival_wins_first)
    client.force_login(community_secretary)
    client.raise_request_exception = False
    response = client.post(reverse("admin:members_member_add"), _post(tree), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "already registered" in str(response.context["adminform"].form.errors["id_number"])
    # The losing save's savepoint was rolled back (here with the rival, which in real life committed apart).
    assert not Member.objects.filter(name="赵六").exists()


def test_a_refused_change_is_a_form_error_too(client, tree, community_secretary):
    client.force_login(community_secretary)
    url = reverse("admin:members_member_change", args=[tree.member.pk])
    response = client.post(url, _post(tree, name="\u200b\u202e", id_number=tree.member.id_number,
                                      birth_date=tree.member.birth_date.isoformat()),
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response.context["adminform"].form.errors["name"]
