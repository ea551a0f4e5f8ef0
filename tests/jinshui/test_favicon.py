"""The portal's icon: /favicon.ico answers (a redirect to the static icon) and the pages link it."""

import pytest

pytestmark = pytest.mark.django_db


def test_favicon_answers(client):
    import re

    response = client.get("/favicon.ico")
    assert response.status_code == 302 and re.fullmatch(r"/static/favicon(\.[0-9a-f]+)?\.ico", response["Location"])
    icon = client.get(response["Location"])
    assert icon.status_code == 200 and b"".join(icon.streaming_content if icon.streaming else [icon.content])[:4] \
        == b"\x00\x00\x01\x00"  # an ICO file


def test_pages_link_the_icon(client, district_user, resident):
    client.force_login(district_user)
    for url in ("/dashboard/", "/admin/"):
        assert 'rel="icon"' in client.get(url).content.decode(), url
    client.force_login(resident)
    assert 'rel="icon"' in client.get("/m/").content.decode()
