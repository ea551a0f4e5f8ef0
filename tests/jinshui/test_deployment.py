"""No Docker engine runs here: check docker-compose.yml against the project's real entry points instead."""

import importlib
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _command(service):
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else command


def _import(dotted):
    module, _, attr = dotted.replace(":", ".").rpartition(".")
    return getattr(importlib.import_module(module), attr)


def test_all_production_services_are_there(compose):
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(compose["services"])
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in compose["services"][name], name
    assert {"pgdata", "redisdata"} <= set(compose["volumes"])


def test_web_runs_migrations_collectstatic_and_the_real_wsgi_app(compose):
    command = " ".join(_command(compose["services"]["web"]))
    assert "manage.py migrate" in command and "manage.py collectstatic" in command
    target = next(word for word in shlex.split(command) if word.endswith(":application"))
    from django.core.handlers.wsgi import WSGIHandler

    assert isinstance(_import(target), WSGIHandler)
    for word in ("migrate", "collectstatic"):
        assert word in get_commands()


def test_worker_and_beat_name_the_real_celery_app_and_scheduler(compose):
    from celery import Celery

    for name in ("worker", "beat"):
        args = _command(compose["services"][name])
        app = args[args.index("-A") + 1]
        assert isinstance(importlib.import_module(app).celery_app, Celery)
    beat = _command(compose["services"]["beat"])
    scheduler = beat[beat.index("--scheduler") + 1]
    from django_celery_beat.schedulers import DatabaseScheduler

    assert _import(scheduler) is DatabaseScheduler


def test_environment_matches_the_settings(compose):
    env = compose["x-app"]["environment"]
    settings_source = (ROOT / "jinshui" / "settings.py").read_text()
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "STATIC_ROOT", "MEDIA_ROOT"):
        assert name in env
        assert f'"{name}"' in settings_source, f"settings.py does not read {name}"
    assert env["DEBUG"] == "0"
    assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379")


def test_dockerfile_installs_the_pinned_requirements():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.txt" in dockerfile and "python:3.11" in dockerfile
    assert "jinshui.wsgi:application" in dockerfile
