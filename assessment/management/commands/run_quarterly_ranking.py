"""python manage.py run_quarterly_ranking [--quarter YYYYQn]: the quarterly ranking job, now, through the ledger."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment import jobs
from core.periods import last_complete_quarter, parse_quarter
from jobs.ledger import run_once


class Command(BaseCommand):
    help = "Snapshot the quarterly ranking of every level and suggest interviews (once per quarter)."

    def add_arguments(self, parser):
        parser.add_argument("--quarter", help="The quarter, like 2026Q3 (default: the last complete quarter).")

    def handle(self, *args, quarter=None, **options):
        quarter = quarter or last_complete_quarter(timezone.localdate())
        try:
            parse_quarter(quarter)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        result, ran = run_once(jobs.QUARTERLY, quarter)
        if ran:
            self.stdout.write(self.style.SUCCESS(_("Quarterly ranking %(quarter)s done.") % {"quarter": quarter}))
        else:
            self.stdout.write(self.style.WARNING(
                _("Quarterly ranking %(quarter)s had already run; nothing was done again.") % {"quarter": quarter}))
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True))
