"""Formerly installed the assessment jobs' beat schedules. Schedules now come from the job registry
(jobs.schedules, installed after migrate); jobs 0002 turns rows this migration wrote into registry rows."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
