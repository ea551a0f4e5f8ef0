"""A center role's grant stores its center by id (accounts depends on no feature app); the service centers keep
that reference whole: the admin offers existing centers, PostgreSQL's foreign key refuses others and cascades a
deleted center's grants, and so does the ORM (the SQLite demo has only that)."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from accounts.models import Role, RoleGrant
from accounts.scopes import manages_center
from servicecenters.models import ServiceCenter
from tests.factories import UserFactory

from .factories import CenterFactory

pytestmark = pytest.mark.django_db


def test_admin_grants_a_center_role_on_a_chosen_center(client, district_user, center, other_center):
    client.force_login(district_user)
    target = UserFactory(username="new-staff", is_staff=False)
    url = reverse("admin:accounts_rolegrant_add")
    page = client.get(url).content.decode()
    assert f'<option value="{center.pk}">{center.name}</option>' in page

    response = client.post(url, {"user": target.pk, "role": Role.CENTER_STAFF, "center_id": ""})
    assert response.status_code == 200 and "center_id" in response.context["adminform"].form.errors
    response = client.post(url, {"user": target.pk, "role": Role.RESIDENT, "center_id": center.pk})
    assert response.status_code == 200 and "center_id" in response.context["adminform"].form.errors
    response = client.post(url, {"user": target.pk, "role": Role.CENTER_STAFF, "center_id": 10**9})
    assert response.status_code == 200 and "center_id" in response.context["adminform"].form.errors

    response = client.post(url, {"user": target.pk, "role": Role.CENTER_STAFF, "center_id": center.pk})
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=target)
    assert (grant.center_id, grant.granted_by) == (center.pk, district_user)
    assert str(grant).endswith(f" · {center.name}")
    assert manages_center(target, center.pk) and not manages_center(target, other_center.pk)

    # The same grant twice is a form error (the database's unique constraint, checked by the form), not a 500.
    response = client.post(url, {"user": target.pk, "role": Role.CENTER_STAFF, "center_id": center.pk})
    assert response.status_code == 200 and response.context["adminform"].form.errors

    change = client.get(reverse("admin:accounts_rolegrant_change", args=[grant.pk])).content.decode()
    assert f'<option value="{center.pk}" selected>{center.name}</option>' in change


def test_a_grant_on_a_missing_center_is_refused_by_the_database(staff):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=staff, role=Role.CENTER_STAFF, center_id=10**9)
        connection.check_constraints()  # the foreign key is deferred, like Django's own


def test_deleting_a_center_deletes_its_staff_grants(staff, other_staff, center, other_center):
    center.delete()
    assert not RoleGrant.objects.filter(user=staff).exists()
    assert RoleGrant.objects.filter(user=other_staff, center_id=other_center.pk).exists()


def test_the_database_cascades_a_deleted_center_to_its_grants(staff, center):
    bare = CenterFactory(code="SC99", open_hours=[])
    RoleGrant.objects.create(user=staff, role=Role.CENTER_STAFF, center_id=bare.pk)
    with connection.cursor() as cursor:  # past the ORM: the rule is the database's
        cursor.execute("DELETE FROM servicecenters_historicalservicecenter WHERE id = %s", [bare.pk])
        cursor.execute("DELETE FROM servicecenters_servicecenter WHERE id = %s", [bare.pk])
    assert not ServiceCenter.objects.filter(pk=bare.pk).exists()
    assert list(RoleGrant.objects.filter(user=staff).values_list("center_id", flat=True)) == [center.pk]
