"""Transfers 组织关系转接: sending a member to another branch (which accepts or sends back) or out of the
district with an introduction letter."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import resolve_scope
from core.errors import PermissionDenied, ValidationError
from members.records.models import Member
from members.records.services import member_delete

from .models import Transfer, TransferStatus


@transaction.atomic
def transfer_send(*, actor, member, reason, to_org=None, destination="", on=None):
    """Send a member to another branch of the district (it accepts or sends back), or, with `destination`,
    out of the district: the introduction letter is issued at once (printable), numbered."""
    member = Member.objects.select_for_update(of=("self",)).select_related("org").get(pk=member.pk)
    if not resolve_scope(actor).covers(member.org, write=True):
        raise PermissionDenied(_("This party member is outside your area."))
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason for the transfer.")]
    if (to_org is None) == (not (destination or "").strip()):
        errors["to_org"] = [_("Choose either a branch in the district or a receiving organization outside it.")]
    elif to_org is not None and (to_org.level < 2 or to_org.pk == member.org_id):
        errors["to_org"] = [_("Choose another party branch (a community, village, grid or building group).")]
    if member.transfers.filter(status__in=[TransferStatus.SENT, TransferStatus.LETTER]).exists():
        errors["member"] = [_("This member already has a transfer under way.")]
    if errors:
        raise ValidationError(errors)
    on = on or timezone.localdate()
    transfer = Transfer(member=member, from_org=member.org, to_org=to_org, destination=(destination or "").strip(),
                        reason=reason.strip(), sent_by=actor, sent_on=on,
                        status=TransferStatus.SENT if to_org else TransferStatus.LETTER)
    transfer._history_user = actor
    transfer.save()
    if to_org is None:
        transfer.letter_number = f"JSZ{on.year}-{transfer.pk:05d}"
        transfer.save(update_fields=["letter_number"])
    return transfer


def _decide_transfer(actor, transfer, want_status):
    transfer = Transfer.objects.select_for_update(of=("self",)).select_related("to_org", "from_org").get(
        pk=transfer.pk)
    target = transfer.to_org if want_status == TransferStatus.SENT else transfer.from_org
    if not resolve_scope(actor).covers(target, write=True):
        raise PermissionDenied(_("Only the receiving branch decides on a transfer.")
                               if want_status == TransferStatus.SENT else _("This transfer is outside your area."))
    if transfer.status != want_status:
        raise ValidationError({"status": [_("This transfer has already been decided.")]})
    return transfer


@transaction.atomic
def transfer_accept(*, actor, transfer, on=None):
    """The receiving branch accepts: the member (with their history, points and dues) now belongs to it."""
    transfer = _decide_transfer(actor, transfer, TransferStatus.SENT)
    member = Member.objects.select_for_update(of=("self",)).get(pk=transfer.member_id)
    member.org = transfer.to_org
    member._history_user = actor
    member.save(update_fields=["org", "updated_at"])
    transfer.status, transfer.decided_by = TransferStatus.ACCEPTED, actor
    transfer.decided_on = on or timezone.localdate()
    transfer._history_user = actor
    transfer.save()
    return transfer


@transaction.atomic
def transfer_return(*, actor, transfer, note, on=None):
    """The receiving branch sends the transfer back, saying why; the member stays where they were."""
    transfer = _decide_transfer(actor, transfer, TransferStatus.SENT)
    if not (note or "").strip():
        raise ValidationError({"note": [_("Say why the transfer is sent back.")]})
    transfer.status, transfer.decided_by = TransferStatus.RETURNED, actor
    transfer.decided_on = on or timezone.localdate()
    transfer.note = note.strip()
    transfer._history_user = actor
    transfer.save()
    return transfer


@transaction.atomic
def transfer_complete_out(*, actor, transfer, on=None):
    """The receipt of an introduction letter came back: the member leaves the district's records (their
    history stays)."""
    transfer = _decide_transfer(actor, transfer, TransferStatus.LETTER)
    transfer.status, transfer.decided_by = TransferStatus.COMPLETED, actor
    transfer.decided_on = on or timezone.localdate()
    transfer._history_user = actor
    transfer.save()
    member_delete(actor=actor, member=Member.objects.select_related("org").get(pk=transfer.member_id))
    return transfer
