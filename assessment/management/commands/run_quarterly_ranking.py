"""python manage.py run_quarterly_ranking [--quarter YYYYQn]: `run_job assessment.quarterly_ranking [QUARTER]`."""

from django.utils.translation import gettext as _

from jobs.management.commands.run_job import Command as RunJob


class Command(RunJob):
    help = "Snapshot the quarterly ranking of every level and suggest interviews (once per quarter)."

    def add_arguments(self, parser):
        parser.add_argument("--quarter", help="The quarter, like 2026Q3 (default: the last complete quarter).")

    def handle(self, *args, quarter=None, **options):
        self.run_job("assessment.quarterly_ranking", quarter)

    def done_message(self, name, period):
        return _("Quarterly ranking %(quarter)s done.") % {"quarter": period}

    def already_message(self, name, period):
        return _("Quarterly ranking %(quarter)s had already run; nothing was done again.") % {"quarter": period}
