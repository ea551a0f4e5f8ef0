import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_admin_login_locks_out_after_repeated_failures(client, community_secretary, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/admin/login/", {"username": "sec-S01C01", "password": "wrong"})
        assert response.status_code == 200
    assert client.post("/admin/login/", {"username": "sec-S01C01", "password": "wrong"}).status_code == 429
    locked = client.post("/admin/login/", {"username": "sec-S01C01", "password": password})
    assert locked.status_code == 429
    # Another user from the same address is not locked out by someone else's failures.
    other = Client()
    assert other.post("/admin/login/", {"username": "sec-S01", "password": "wrong"}).status_code == 200


def test_api_token_is_locked_out_too(community_secretary, password, settings):
    api = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post("/api/v1/auth/token/", {"username": "sec-S01C01", "password": "bad"}, format="json")
    response = api.post("/api/v1/auth/token/", {"username": "sec-S01C01", "password": password}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"


def test_successful_login_works(client, community_secretary, password):
    response = client.post("/admin/login/", {"username": "sec-S01C01", "password": password})
    assert response.status_code == 302


@pytest.mark.parametrize("weak", ["12345678", "password123", "sec-S01C01x", "jinshui"])
def test_weak_passwords_are_refused(weak, community_secretary):
    with pytest.raises(ValidationError):
        validate_password(weak, user=community_secretary)


def test_check_deploy_is_clean_with_production_settings():
    env = {
        k: v for k, v in os.environ.items()
        if k not in {"DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"}
    }
    env.update(DEBUG="0", SECRET_KEY="x" * 20 + "production-like-secret-key-with-enough-entropy-8J2k",
               ALLOWED_HOSTS="dangjian.jinshui.gov.cn")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_a_missing_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DEBUG="0", ALLOWED_HOSTS="dangjian.jinshui.gov.cn")
    deploy = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert deploy.returncode != 0 and "SECRET_KEY must be set" in deploy.stderr
    serve = subprocess.run([sys.executable, "-c", "import jinshui.wsgi"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=120)
    assert serve.returncode != 0 and "SECRET_KEY must be set" in serve.stderr


def test_management_commands_need_no_configuration(tmp_path):
    """With nothing set, the project runs on a local SQLite file (the house rule's makemigrations check)."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    result = subprocess.run([sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "No changes detected" in result.stdout, result.stderr[-2000:]


from django.test import Client  # noqa: E402
