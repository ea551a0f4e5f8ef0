import datetime

from django.core.management.base import BaseCommand, CommandError

from members.jobs import run_daily


class Command(BaseCommand):
    help = "Send political-birthday greetings and development deadline reminders for a day (once per day)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD (default: today in Asia/Shanghai)")

    def handle(self, *args, **options):
        try:
            day = datetime.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as exc:
            raise CommandError("--date takes YYYY-MM-DD") from exc
        for job, result in run_daily(day).items():
            self.stdout.write(f"{job}: {result}")
