"""python manage.py run_monthly_reminders [--month YYYY-MM]: `run_job assessment.monthly_reminders [MONTH]`."""

from django.utils.translation import gettext as _

from jobs.management.commands.run_job import Command as RunJob


class Command(RunJob):
    help = "Send the month's inspection reminders and overdue-rectification notices (once per month)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="The month, like 2026-11 (default: the current month).")

    def handle(self, *args, month=None, **options):
        self.run_job("assessment.monthly_reminders", month)

    def done_message(self, name, period):
        return _("Monthly reminders %(month)s done.") % {"month": period}

    def already_message(self, name, period):
        return _("Monthly reminders %(month)s had already run; nothing was done again.") % {"month": period}
