"""Formerly installed the hourly dashboard refresh as a beat schedule. Schedules now come from the job registry
(jobs.schedules, installed after migrate); jobs 0002 turns the row this migration wrote into a registry row."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = []
