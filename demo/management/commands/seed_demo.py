"""python manage.py seed_demo [--scale N] [--password P] [--seed S] [--force] [--resume]

Builds a Jinshui-size district (N copies of it) with demo accounts on an empty database, one copy at a time: each
copy (its tree, members, accounts and every app's records) is generated, written and committed on its own, so memory
does not grow with the scale and an interrupted run continues with --resume where it stopped.
The work is done by demo/tree.py (and the other modules of demo/); this command only checks that it may run and reports.
"""

import argparse
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from demo import tree as demo
from grids.models import OrgNode


def _positive(value):
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(_("The scale is a whole number, 1 or more: %(value)s") % {"value": value})
    return number


class Command(BaseCommand):
    help = "Fill an empty database with a Jinshui-size demo district (tree, party members, demo accounts)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=_positive, default=1,
            help="How many copies of Jinshui District to build (1 = 17 streets, 22,150 members).",
        )
        parser.add_argument(
            "--password", default=demo.DEFAULT_PASSWORD,
            help="Password of every demo account (default: %(default)s).",
        )
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED,
            help="Random seed: the same seed and scale give the same data (default: %(default)s).",
        )
        parser.add_argument(
            "--force", action="store_true",
            help="Run even when DEBUG is off (the demo accounts share one known password).",
        )
        parser.add_argument(
            "--resume", action="store_true",
            help="Continue an interrupted run: build the copies still missing (give the same --scale and --seed).",
        )
        # Stops after committing that copy, as an interruption would (tests of --resume).
        parser.add_argument("--stop-after", type=int, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, scale, password, seed, force, resume, stop_after, **options):
        if not settings.DEBUG and not force:
            raise CommandError(_(
                "DEBUG is off, so this looks like a production system: seed_demo creates accounts that all "
                "share one known password. Use --force if you really mean it."
            ))
        if not password:
            raise CommandError(_("The password of the demo accounts cannot be empty."))
        started = time.perf_counter()
        verbosity = options.get("verbosity", 1)
        counts = demo.JINSHUI
        today = timezone.localdate()
        done = self._copies_done(scale, seed, counts, today, resume)
        if done == scale:
            if verbosity >= 1:
                self.stdout.write(_("All %(scale)s copies of the demo district are already built.") % {"scale": scale})
            return
        if done:
            used = demo.Used.from_database()
            # Every demo account shares the admin's password hash (hashing each would take minutes).
            hashed = get_user_model().objects.get(username="admin").password
        else:
            used, hashed = demo.Used(), make_password(password)
        written, extra = {}, {}
        for number in range(done + 1, scale + 1):
            copy_started = time.perf_counter()
            with transaction.atomic():
                plan = demo.generate_copy(number, counts=counts, seed=seed, today=today, used=used)
                if number == 1:
                    plan.users.insert(0, demo.admin_spec())
                taken = demo.existing_usernames(plan)
                if taken:
                    raise CommandError(
                        _("These accounts already exist; seed_demo creates them itself: %(names)s") % {
                            "names": ", ".join(taken[:10]) + (" …" if len(taken) > 10 else "")
                        }
                    )
                copy_written = demo.insert(plan, hashed_password=hashed,
                                           progress=self.stdout.write if verbosity >= 2 else None)
                del plan
                copy = demo.Copy(number=number, scale=scale, seed=seed, hashed_password=hashed, today=today,
                                 residents=tuple(demo.resident_usernames(number, counts)))
                copy_lines = demo.run_extensions_copy(copy)
            demo.merge_lines(written, copy_written.items())
            demo.merge_lines(extra, copy_lines)
            if verbosity >= 1:
                rows = sum(copy_written.values()) + sum(count for _label, count in copy_lines)
                self.stdout.write(_("copy %(number)s/%(scale)s: %(seconds).1f s, %(rows)s rows") % {
                    "number": number, "scale": scale, "seconds": time.perf_counter() - copy_started,
                    "rows": f"{rows:,}",
                })
                self.stdout.flush()  # seen as it happens even when the output goes to a pipe or a log
            if stop_after is not None and number >= stop_after and number < scale:
                return
            if number % 10 == 0 and number < scale:
                self._analyze()
        self._analyze()
        seconds = time.perf_counter() - started
        if verbosity < 1:
            return
        self.stdout.write(self.style.SUCCESS(
            _("Demo district built (scale %(scale)s, seed %(seed)s) in %(seconds).1f s:") % {
                "scale": scale, "seed": seed, "seconds": seconds,
            }
        ))
        if done:
            self.stdout.write(_("(copies %(first)s to %(last)s written by this run; these counts are theirs)") % {
                "first": done + 1, "last": scale,
            })
        lines = [
            (_("streets (level 1)"), written["streets"]),
            (_("communities and villages (level 2)"), written["level2"]),
            (_("grids (level 3)"), written["grids"]),
            (_("building groups (level 4)"), written["building_groups"]),
            (_("party members"), written["members"]),
            (_("user accounts"), written["users"]),
            (_("role grants"), written["role_grants"]),
        ]
        for label, count in lines + list(extra.items()):
            self.stdout.write(f"  {label}: {count:,}")
        self.stdout.write(_(
            "Sign in as admin, sec-<organization code> (e.g. sec-JS01, sec-JS01-C01) or resident-0001, "
            "with the password given by --password."
        ))

    @staticmethod
    def _analyze():
        if connection.vendor == "postgresql":
            # Bulk-loaded tables have no planner statistics until autovacuum comes by; without them the first
            # pages seq-scan the member table (measured: a branch ranking 85 ms before, 1–6 ms after, scale 10).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def _copies_done(self, scale, seed, counts, today, resume):
        """How many copies an earlier run committed (0 on an empty database); refuses what it cannot continue."""
        if not OrgNode.objects.exists():
            return 0
        if not resume:
            raise CommandError(_(
                "The database already holds organizations; seed_demo runs only on an empty database "
                "(use flush first), or continues an interrupted run with --resume and the same --scale and --seed."
            ))
        done = demo.copies_written()
        streets = OrgNode.objects.filter(level=1).count()
        if done == 0 or streets != done * counts.streets:
            raise CommandError(_(
                "The organizations in the database are not copies of the demo district written by seed_demo; "
                "--resume cannot continue them (use flush first)."
            ))
        if done > scale:
            raise CommandError(_(
                "The database already holds %(done)s copies of the demo district, more than --scale %(scale)s."
            ) % {"done": done, "scale": scale})
        if done < scale and demo.district_finished():
            raise CommandError(_(
                "The demo district in the database was completed with %(done)s copies; --resume only continues an "
                "interrupted run with the same --scale (use flush first to build another scale)."
            ) % {"done": done})
        if not demo.copy_matches(1, counts=counts, seed=seed, today=today):
            raise CommandError(_(
                "The copies in the database were built with another --seed; give the seed of the interrupted run."
            ))
        return done
