"""python manage.py run_daily_bookings [--date YYYY-MM-DD]: the daily booking job by hand (idempotent)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.ledger import run_once
from servicecenters import services
from servicecenters.tasks import DAILY


class Command(BaseCommand):
    help = "Run the daily booking job (tomorrow's reminders, no-shows, completion) for a local date, once."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Local date YYYY-MM-DD (default: today in Asia/Shanghai).")

    def handle(self, *args, date=None, **options):
        if date:
            try:
                day = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(_("Give the date as YYYY-MM-DD: %(value)s") % {"value": date})
        else:
            day = timezone.localdate()
        result, ran = run_once(DAILY, day.isoformat(), services.daily_bookings)
        if ran:
            self.stdout.write(_("Daily booking job for %(day)s: %(result)s") % {"day": day, "result": result})
        else:
            self.stdout.write(_("Already done for %(day)s (nothing sent again): %(result)s") % {
                "day": day, "result": result})
