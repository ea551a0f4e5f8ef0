"""python manage.py relay_outbox: hand again the background work that is pending, lost or waiting (jobs.outbox).

Beat runs the same sweep every minute (jobs.tasks.relay_outbox); this command does it at once, from a shell or a
cron job, without a worker.
"""

import json

from django.core.management.base import BaseCommand

from jobs.outbox import sweep


class Command(BaseCommand):
    help = "Hand again the background jobs that are pending, whose worker died or that wait for missing data."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(sweep(), sort_keys=True))
