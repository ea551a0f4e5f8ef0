"""Formerly installed the daily booking job's beat schedule. Schedules now come from the job registry
(jobs.schedules, installed after migrate); jobs 0002 turns the row this migration wrote into a registry row."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("servicecenters", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
