"""The worker limits reach the Celery app: a child replaced above 768 MB, tasks stopped after 10/12 minutes."""

from jinshui.celery import app


def test_worker_limits_are_set():
    conf = app.conf
    assert conf.worker_max_memory_per_child == 768 * 1024
    assert conf.worker_max_tasks_per_child == 500
    assert (conf.task_soft_time_limit, conf.task_time_limit) == (600, 720)
