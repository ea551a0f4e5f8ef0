"""ID-card numbers in the member-work exports (points, dues, attendance)."""

from .masking import mask_id_number
from .services import member_reveal_for_export


def id_number_shown(request, members):
    """ID-card numbers in an export: in full where the user may change the member (the reveal is recorded),
    masked elsewhere, so a secretary's own export can be imported back."""
    revealed = member_reveal_for_export(actor=request.user, members={m.pk: m for m in members}.values())
    return lambda member: member.id_number if member.pk in revealed else mask_id_number(member.id_number)
