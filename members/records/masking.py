"""Masking of personal data for lists, exports and history pages (one place, used by admin, API and exports).

What a masked answer shows must not let anyone rebuild what it hides. An ID-card number is built from its parts:
digits 1–6 the place of registration (a county: with the district's own code in most numbers, guessable), 7–14
the date of birth, 15–17 a sequence whose last digit is odd for men and even for women, 18 a check digit computed
from the other seventeen. So the old mask (first six and last four) hid exactly the date of birth and nothing
else, and the date of birth is shown beside it; the check digit alone narrows the hidden digits eleven-fold.
The mask keeps the first two digits (the province, shared by nearly every member of the district: it tells
nothing about the person) and hides the other sixteen, and a masked answer carries no date of birth (nor age)
either. The gender field stays: it is the parity of one hidden digit, a factor of two among ~10^13 candidates.
"""

from core.masking import mask_phone  # noqa: F401 — one rule for every app that shows a masked phone

#: What a masked answer shows in place of a date of birth.
HIDDEN = "—"


def mask_id_number(value):
    """410105199001011234 → 41****************."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 2)


def hide(value):
    """A date of birth (or anything else read from the ID-card number) in a masked answer."""
    return HIDDEN if value not in (None, "") else ""


#: The personal fields of a member or a candidate and how each shows to whoever may not change the record.
PERSONAL_FIELDS = {"id_number": mask_id_number, "phone": mask_phone, "birth_date": hide}
