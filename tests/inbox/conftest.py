import pytest

from core.sms import backends


@pytest.fixture
def sms(settings):
    """SMS go to the in-memory backend; quiet hours and limits as in production."""
    settings.SMS_BACKEND = "core.sms.backends.LocmemBackend"
    settings.SMS_QUIET_HOURS = (22, 7)
    settings.SMS_RATE_PER_HOUR = 5
    settings.SMS_RATE_PER_DAY = 10
    backends.outbox.clear()
    backends.failures["count"] = 0
    yield backends.outbox
    backends.outbox.clear()


@pytest.fixture
def phone_user(db):
    from django.utils import timezone

    from inbox.models import ContactPreference
    from tests.factories import UserFactory

    user = UserFactory(username="resident-0009", email="r9@example.com", is_staff=False)
    ContactPreference.objects.create(user=user, phone="13812345678", phone_verified_at=timezone.now())
    return user
