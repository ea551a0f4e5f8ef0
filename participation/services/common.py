"""What every topic of participation's writes shares: the signed-in check, saving with history, the community
check, the bounded decimal, and the resident's own community."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.errors import PermissionDenied, ValidationError
from grids.models import Level

from ..models import ResidentProfile

def _require_signed_in(actor):
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Sign in first."))


def _save(obj, actor, **kwargs):
    obj._history_user = actor
    obj.save(**kwargs)
    return obj


def _community(node):
    if node is None or node.level != Level.COMMUNITY:
        raise ValidationError({"community": [_("Choose a community or village.")]})
    return node


def _decimal(value, field, low, high, errors):
    try:
        number = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite() or not low <= number <= high:
        errors[field] = [_("A number from %(low)s to %(high)s.") % {"low": low, "high": high}]
        return None
    return number



# --- the resident's profile ----------------------------------------------------------------------------------------


@transaction.atomic
def profile_choose_community(*, actor, community, phone=""):
    """The resident chooses their community, once; later changes are made by staff in the admin."""
    _require_signed_in(actor)
    _community(community)
    if ResidentProfile.objects.filter(user=actor).exists():
        raise ValidationError({"community": [_("Your community is already chosen; ask your community to change it.")]})
    profile = ResidentProfile(user=actor, community=community, phone=(phone or "")[:20])
    try:
        with transaction.atomic():
            return _save(profile, actor)
    except IntegrityError:
        raise ValidationError({"community": [_("Your community is already chosen; ask your community to change it.")]})
