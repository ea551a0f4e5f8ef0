"""python manage.py seed_demo [--scale N] [--password P] [--seed S] [--force]

Builds a Jinshui-size district (N copies of it) with demo accounts on an empty database.
The work is done by demo/tree.py (and the other modules of demo/); this command only checks that it may run and reports.
"""

import argparse
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
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

    def handle(self, *args, scale, password, seed, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(_(
                "DEBUG is off, so this looks like a production system: seed_demo creates accounts that all "
                "share one known password. Use --force if you really mean it."
            ))
        if not password:
            raise CommandError(_("The password of the demo accounts cannot be empty."))
        started = time.perf_counter()
        verbose = options.get("verbosity", 1) >= 2
        with transaction.atomic():
            if OrgNode.objects.exists():
                raise CommandError(_(
                    "The database already holds organizations; seed_demo runs only on an empty database "
                    "(use flush first)."
                ))
            plan = demo.generate(scale, seed=seed)
            taken = demo.existing_usernames(plan)
            if taken:
                raise CommandError(
                    _("These accounts already exist; seed_demo creates them itself: %(names)s") % {
                        "names": ", ".join(taken[:10]) + (" …" if len(taken) > 10 else "")
                    }
                )
            written = demo.insert(plan, password=password, progress=self.stdout.write if verbose else None)
            # Every demo account shares the admin's password hash (hashing each would take minutes).
            hashed = get_user_model().objects.get(username="admin").password
            extra_lines = demo.run_extensions(scale=scale, seed=seed, hashed_password=hashed)
        if connection.vendor == "postgresql":
            # Bulk-loaded tables have no planner statistics until autovacuum comes by; without them the first
            # pages seq-scan the member table (measured: a branch ranking 85 ms before, 1–6 ms after, scale 10).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        seconds = time.perf_counter() - started
        if options.get("verbosity", 1) < 1:
            return
        self.stdout.write(self.style.SUCCESS(
            _("Demo district built (scale %(scale)s, seed %(seed)s) in %(seconds).1f s:") % {
                "scale": scale, "seed": seed, "seconds": seconds,
            }
        ))
        lines = [
            (_("streets (level 1)"), written["streets"]),
            (_("communities and villages (level 2)"), written["level2"]),
            (_("grids (level 3)"), written["grids"]),
            (_("building groups (level 4)"), written["building_groups"]),
            (_("party members"), written["members"]),
            (_("user accounts"), written["users"]),
            (_("role grants"), written["role_grants"]),
        ]
        for label, count in lines + extra_lines:
            self.stdout.write(f"  {label}: {count:,}")
        self.stdout.write(_(
            "Sign in as admin, sec-<organization code> (e.g. sec-JS01, sec-JS01-C01) or resident-0001, "
            "with the password given by --password."
        ))
