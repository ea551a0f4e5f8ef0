import csv
import io

import pytest
from django.urls import reverse

from members.records.models import Member, PersonalDataReveal
from members.records.services import member_export

pytestmark = pytest.mark.django_db


def _rows(text):
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_admin_export_is_masked_and_scoped(client, tree, community_secretary):
    client.force_login(community_secretary)
    url = reverse("admin:members_member_changelist")
    # The secretary ticks a foreign member's id too: the action's queryset is the scoped changelist.
    response = client.post(url, {
        "action": "export_masked_csv", "_selected_action": [tree.member.pk, tree.other_member.pk],
    })
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _rows(response.content.decode())
    assert rows[0][:3] == ["ID", "姓名", "性别"]
    body = response.content.decode()
    assert tree.member.masked_id_number in body and tree.member.id_number not in body
    assert tree.member.phone not in body
    assert tree.other_member.name not in body
    assert len(rows) == 2


def test_service_export_reveals_only_writable_rows_and_logs_them(tree, district_user, community_secretary):
    text = member_export(actor=community_secretary, queryset=Member.objects.all(), reveal=True)
    assert tree.member.id_number in text and tree.other_member.name not in text
    assert PersonalDataReveal.objects.filter(user=community_secretary, channel="export").count() == 1
    inspector_text = member_export(actor=district_user, queryset=Member.objects.all())
    assert tree.other_member.masked_id_number in inspector_text


def test_export_query_count_does_not_grow(tree, district_user, django_assert_max_num_queries):
    from tests.factories import MemberFactory

    MemberFactory.create_batch(30, org=tree.grid)
    with django_assert_max_num_queries(4):
        member_export(actor=district_user, queryset=Member.objects.all())
