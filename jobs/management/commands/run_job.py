"""python manage.py run_job [NAME [PERIOD]]: run a registered job now, through the ledger (once per period).

Without a NAME, or with an unknown one, it lists the jobs. PERIOD is checked against the job's kind of key
(core.periods); without it the job takes its default key, as beat's runs do.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jobs import ledger, registry


class Command(BaseCommand):
    help = "Run a periodic job now for a period (once per period); without a job name, list the jobs."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="The job, e.g. assessment.monthly_reminders.")
        parser.add_argument("period", nargs="?", help="Its period: 2026-11-25, 2026-11, 2026Q3 or 2026-11-25T14.")

    def handle(self, *args, name=None, period=None, **options):
        if not name:
            self.list_jobs()
            return
        try:
            registry.get(name)
        except registry.UnknownJob:
            self.list_jobs()
            raise CommandError(_("There is no job “%(name)s”.") % {"name": name}) from None
        self.run_job(name, period)

    def run_job(self, name, period):
        """Run the job, then say whether it ran now or had already run, with its result."""
        try:
            period, result, ran = ledger.run(name, period)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if ran:
            self.stdout.write(self.style.SUCCESS(self.done_message(name, period)))
        else:
            self.stdout.write(self.style.WARNING(self.already_message(name, period)))
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True))

    def done_message(self, name, period):
        return _("%(job)s %(period)s done.") % {"job": name, "period": period}

    def already_message(self, name, period):
        return _("%(job)s %(period)s had already run; nothing was done again.") % {"job": name, "period": period}

    def list_jobs(self):
        from jobs.schedules import crontab_fields

        self.stdout.write(_("Jobs (name, period, schedule):"))
        specs = registry.registered_jobs().values()
        width = max((len(spec.name) for spec in specs), default=0)
        for spec in specs:
            when = _("by hand only") if spec.schedule is None else " ".join(crontab_fields(spec.schedule).values())
            self.stdout.write(f"  {spec.name:<{width}}  {spec.period:<7}  {when:<18}  {spec.description}".rstrip())
