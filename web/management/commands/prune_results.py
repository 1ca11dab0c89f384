"""``manage.py prune_results [--days N]``: delete finished runs older than the retention (and their files).

Default: ``TWIN_RESULT_RETENTION_DAYS``. Queued, running and paused runs are never touched. The reaper (Celery
beat in distributed mode, the reaper thread in embedded mode) runs the same pruning periodically.
"""
from django.core.management.base import BaseCommand

from web import services


class Command(BaseCommand):
    help = "Delete finished runs (and their results files) older than the retention period."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help="retention in days (default TWIN_RESULT_RETENTION_DAYS; 0 keeps everything)")

    def handle(self, *args, days=None, **options):
        if days is not None and days < 0:
            self.stderr.write("--days must be >= 0")
            return
        pruned = services.run_prune_results(retention_days=days)
        self.stdout.write(f"pruned {len(pruned)} finished runs")
