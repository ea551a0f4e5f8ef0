"""A background import is never lost: queued through the outbox while Redis is down, restarted from scratch when
its worker died, retried (not failed) when its database connection was lost. (tests/faults runs the real failures.)"""

import io

import kombu.exceptions
import pytest
from django.db import InterfaceError
from django.urls import reverse

from jobs import outbox
from jobs.models import Outbox, OutboxState
from members.imports import engine
from members.imports.models import ImportStatus, MemberImport
from members.records.models import Member
from members.tasks import run_member_import
from tests.members.test_import import row, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def background(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(engine, "BACKGROUND_ROWS", 5)


def _upload(client, n=8):
    upload = io.BytesIO(xlsx_bytes([row(i) for i in range(1, n + 1)]))
    upload.name = "members.xlsx"
    return client.post(reverse("members:import"), {"file": upload})


def _deliver(entry, task_id="t-1"):
    return run_member_import.apply(args=entry.args, kwargs={"outbox_id": entry.pk}, task_id=task_id).get()


def test_an_upload_while_redis_is_down_is_queued_truthfully_and_imported_later(
        client, tree, community_secretary, background, monkeypatch, settings, django_capture_on_commit_callbacks):
    def down(entry):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outbox, "_publish", down)
    client.force_login(community_secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client)
    job = MemberImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("members:import-status", args=[job.pk])
    body = client.get(response["Location"]).content.decode()
    assert "排队中，稍后处理" in body and "无法将该文件读取为电子表格" not in body
    entry = Outbox.objects.get()
    assert entry.state == OutboxState.PENDING and entry.args == [job.pk]
    # Redis is back: the sweep hands it over, the worker imports it, once.
    monkeypatch.setattr(outbox, "_publish", _deliver)
    settings.JOBS_SEND_GRACE_SECONDS = 0
    outbox.sweep()
    outbox.sweep()
    job.refresh_from_db()
    assert (job.status, job.created) == (ImportStatus.DONE, 8) and Member.objects.count() == 2 + 8
    assert Outbox.objects.get().state == OutboxState.DONE


def test_an_interrupted_import_is_restarted_from_scratch_once(tree, community_secretary, background,
                                                             django_capture_on_commit_callbacks, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    monkeypatch.setattr(outbox, "_publish", lambda entry: None)
    with django_capture_on_commit_callbacks(execute=True):
        job = engine.import_start(actor=community_secretary, upload=SimpleUploadedFile(
            "members.xlsx", xlsx_bytes([row(i) for i in range(1, 9)])))
    entry = Outbox.objects.get()
    # The worker that ran it was killed halfway: the import says running, its lease says the task "t-dead".
    MemberImport.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, total=8, processed=4)
    Outbox.objects.filter(pk=entry.pk).update(state=OutboxState.RUNNING, task_id="t-dead")
    assert engine.import_run(job.pk) is None  # without the outbox's say-so, a running import is left alone
    assert _deliver(entry, "t-dead") == {"created": 8}  # its redelivery takes over and restarts it
    job.refresh_from_db()
    assert (job.status, job.processed, job.created) == (ImportStatus.DONE, 8, 8)
    assert _deliver(entry, "t-other") == {"created": 0}  # a duplicate delivery: nothing
    assert engine.import_run(job.pk, takeover=True) is None  # done stays done
    assert Member.objects.filter(name__startswith="导入").count() == 8


def test_a_lost_database_connection_is_retried_not_reported_as_a_bad_file(tree, community_secretary, background,
                                                                          monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    job = engine.import_start(actor=community_secretary, upload=SimpleUploadedFile(
        "members.xlsx", xlsx_bytes([row(i) for i in range(1, 9)])))

    def lost(**kwargs):
        raise InterfaceError("connection already closed")

    real = engine.sheet_import
    monkeypatch.setattr(engine, "sheet_import", lost)
    with pytest.raises(InterfaceError):
        engine.import_run(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.RUNNING and not job.errors  # not "the file could not be read"
    monkeypatch.setattr(engine, "sheet_import", real)
    assert engine.import_run(job.pk, takeover=True).created == 8


def test_a_second_run_finishing_first_writes_nothing_twice(tree, community_secretary, background, monkeypatch):
    """Two runs of one import at once (a lease that lapsed under a slow worker): the write transaction locks the
    import and the loser writes nothing."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    job = engine.import_start(actor=community_secretary, upload=SimpleUploadedFile(
        "members.xlsx", xlsx_bytes([row(i) for i in range(1, 9)])))
    real = engine.sheet_import

    def finished_meanwhile(**kwargs):
        MemberImport.objects.filter(pk=job.pk).update(status=ImportStatus.DONE)  # the other run won
        return real(**kwargs)

    monkeypatch.setattr(engine, "sheet_import", finished_meanwhile)
    assert engine.import_run(job.pk) is None
    assert not Member.objects.filter(name__startswith="导入").exists()
