"""The preferences page: channels per topic, a phone confirmed by a code sent by SMS; bad input never a 500."""

import pytest
from django.urls import reverse

from inbox.models import ContactPreference, Message, PhoneCode


@pytest.mark.django_db
def test_a_person_confirms_a_phone_by_code_and_chooses_channels(client, sms, resident,
                                                                django_capture_on_commit_callbacks):
    client.force_login(resident)
    url = reverse("inbox:preferences")
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url, {"action": "phone", "phone": "138-1234-5678"})
    assert r.status_code == 302 and len(sms) == 1 and sms[0]["phone"] == "13812345678"
    code = sms[0]["params"][0]
    assert code not in "".join(Message.objects.values_list("subject", flat=True))  # never in the inbox
    assert "138****5678" in client.get(url).content.decode()
    assert client.post(url, {"action": "code", "code": "000000" if code != "000000" else "111111"}).status_code == 400
    assert PhoneCode.objects.get().tries == 1
    assert client.post(url, {"action": "code", "code": code}).status_code == 302
    preference = ContactPreference.objects.get(user=resident)
    assert preference.phone == "13812345678" and preference.phone_verified_at
    r = client.post(url, {"action": "channels", "bookings:email": "on", "party:sms": "on"})
    assert r.status_code == 302
    preference.refresh_from_db()
    assert "bookings:sms" in preference.muted and "party:sms" not in preference.muted
    assert "bookings:email" not in preference.muted


@pytest.mark.django_db
@pytest.mark.parametrize("data", [
    {"action": "phone", "phone": "12345"}, {"action": "phone", "phone": "x" * 500}, {"action": "code", "code": ""},
    {"action": "nonsense"}, {},
])
def test_bad_input_is_a_400_not_a_500(client, sms, resident, data):
    client.force_login(resident)
    assert client.post(reverse("inbox:preferences"), data).status_code == 400


@pytest.mark.django_db
def test_the_page_needs_a_sign_in(client):
    r = client.get(reverse("inbox:preferences"))
    assert r.status_code == 302 and "login" in r.url


@pytest.mark.django_db
def test_codes_are_limited_per_day(client, sms, resident):
    client.force_login(resident)
    for _n in range(5):
        assert client.post(reverse("inbox:preferences"), {"action": "phone", "phone": "13812345678"}).status_code == 302
    r = client.post(reverse("inbox:preferences"), {"action": "phone", "phone": "13812345678"})
    assert r.status_code == 400 and PhoneCode.objects.count() == 5
