"""Run the retention job now, in this process: `manage.py run_retention` (daily from cron
or a systemd timer; see docs/retention.md). `--enqueue` hands it to the django-tasks
worker instead."""

from django.core.management.base import BaseCommand

from retention import services
from retention.tasks import run_retention


class Command(BaseCommand):
    help = "Queues records at the end of their retention clock and removes approved ones."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="Hand the run to the background worker."
        )
        parser.add_argument(
            "--chunk", type=int, default=services.CHUNK, help="Records per transaction."
        )

    def handle(self, *args, enqueue=False, chunk=services.CHUNK, **options):
        if enqueue:
            result = run_retention.enqueue()
            self.stdout.write(f"Retention run queued ({result.id}).")
            return
        run = services.run_retention(chunk=chunk)
        self.stdout.write(
            f"queued {run.queued}, removed {run.executed}, cancelled {run.cancelled}, "
            f"kept for a legal hold {run.held}"
        )
        for table, count in sorted(run.removed.items()):
            self.stdout.write(f"  {table}: {count}")
