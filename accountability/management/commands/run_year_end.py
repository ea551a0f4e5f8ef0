"""python manage.py run_year_end [--year YYYY]: `run_job accountability.year_end [YEAR]`."""

from django.utils.translation import gettext as _

from jobs.management.commands.run_job import Command as RunJob


class Command(RunJob):
    help = "Compute and store the year-end evaluation of every unit (once per year; a published year is left alone)."

    def add_arguments(self, parser):
        parser.add_argument("--year", help="The year, like 2026 (default: the last complete year).")

    def handle(self, *args, year=None, **options):
        self.run_job("accountability.year_end", year)

    def done_message(self, name, period):
        return _("Year-end evaluation %(year)s done.") % {"year": period}

    def already_message(self, name, period):
        return _("Year-end evaluation %(year)s had already run; nothing was done again.") % {"year": period}
