"""Write the REST API's schema to the committed copy (tests/jinshui/api_schema_v1.yaml) that the suite compares
against, after checking that nothing in it breaks a client of the copy (a breaking change is refused unless
--allow-breaking). `--check` only reports."""

from django.core.management.base import BaseCommand, CommandError

from core.api_compat import SNAPSHOT, breaking_changes, dump, generate, load


class Command(BaseCommand):
    help = "Refresh the committed copy of the API schema (tests/jinshui/api_schema_v1.yaml)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only report: breaking changes, or whether the "
                                                                  "copy is out of date.")
        parser.add_argument("--allow-breaking", action="store_true",
                            help="Write even with breaking changes (a new API version, agreed with its clients).")

    def handle(self, *args, check=False, allow_breaking=False, **options):
        current = generate()
        problems = breaking_changes(load(), current) if SNAPSHOT.exists() else []
        for line in problems:
            self.stderr.write(f"BREAKING: {line}")
        if check:
            if problems:
                raise CommandError(f"{len(problems)} breaking changes against {SNAPSHOT.name}.")
            if not SNAPSHOT.exists() or load() != current:
                raise CommandError(f"{SNAPSHOT.name} is out of date (additions only): run manage.py "
                                   "api_schema_snapshot.")
            self.stdout.write("The API schema matches its committed copy.")
            return
        if problems and not allow_breaking:
            raise CommandError("Not written: these changes break /api/v1/ clients. Keep the old fields and routes, "
                               "or pass --allow-breaking for a new API version.")
        SNAPSHOT.write_text(dump(current), encoding="utf-8")
        self.stdout.write(f"Wrote {SNAPSHOT} ({len(current.get('paths', {}))} paths).")
