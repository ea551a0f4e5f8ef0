"""python manage.py run_monthly_reminders [--month YYYY-MM]: the monthly job, now, through the ledger."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment import jobs
from core.periods import month_of, parse_month
from jobs.ledger import run_once


class Command(BaseCommand):
    help = "Send the month's inspection reminders and overdue-rectification notices (once per month)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="The month, like 2026-11 (default: the current month).")

    def handle(self, *args, month=None, **options):
        month = month or month_of(timezone.localdate())
        try:
            parse_month(month)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        result, ran = run_once(jobs.MONTHLY, month)
        if ran:
            self.stdout.write(self.style.SUCCESS(_("Monthly reminders %(month)s done.") % {"month": month}))
        else:
            self.stdout.write(self.style.WARNING(
                _("Monthly reminders %(month)s had already run; nothing was done again.") % {"month": month}))
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True))
