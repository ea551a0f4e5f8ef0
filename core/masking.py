"""The masking of a phone number, shared by every app that shows someone else's phone (members' records,
the service centers' staff pages): 13812345678 → 138****5678.

members/records/masking.py holds the rest of the member rules (ID-card numbers, dates of birth) and uses this one.
"""


def mask_phone(value):
    """13812345678 → 138****5678 (the carrier's prefix and the last four: 10,000 numbers fit)."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
