import datetime

from django.core.management.base import BaseCommand, CommandError

from members.jobs import run_monthly


class Command(BaseCommand):
    help = ("Duty-checklist reminders for the month before --date and, after a quarter's last month, the quarter's "
            "compliance snapshot (each once).")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD, normally the 1st (default: today in Asia/Shanghai)")

    def handle(self, *args, **options):
        try:
            day = datetime.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as exc:
            raise CommandError("--date takes YYYY-MM-DD") from exc
        for job, result in run_monthly(day).items():
            self.stdout.write(f"{job}: {result}")
