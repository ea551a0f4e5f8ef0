"""python manage.py refresh_dashboard [--period YYYY-MM-DDTHH]: recompute the dashboard's cached figures by hand."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from dashboard import jobs


class Command(BaseCommand):
    help = "Recompute the dashboard's figures for the district, every street and every scope seen (once per hour)."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="The hour to run for, e.g. 2026-11-25T14 (default: this hour).")

    def handle(self, *args, period=None, **options):
        result, ran = jobs.run(period)
        if ran:
            self.stdout.write(_("Figures refreshed for %(count)s scopes.") % {"count": result.get("scopes", 0)})
        else:
            self.stdout.write(_("Already refreshed for this period; nothing done."))
