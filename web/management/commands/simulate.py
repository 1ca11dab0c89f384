"""``python manage.py simulate SCENARIO --out DIR [--seed N] [--steps N] [--json]`` — same as ``python -m agents``."""

import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a scenario with the simulation core and write kpis.json and series.parquet."

    def run_from_argv(self, argv):
        from agents.cli import main

        sys.exit(main(argv[2:], prog=f"{argv[0]} {argv[1]}"))

    def add_arguments(self, parser):
        parser.add_argument("args", nargs="*")

    def handle(self, *args, **options):
        from agents.cli import main

        code = main(list(args), prog="manage.py simulate")
        if code:
            sys.exit(code)
