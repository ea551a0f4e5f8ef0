import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinshui.settings")

app = Celery("jinshui")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
