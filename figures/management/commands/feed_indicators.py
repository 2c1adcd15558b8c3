from django.core.management.base import BaseCommand

from figures import services
from figures.tasks import feed_indicators


class Command(BaseCommand):
    help = "Write the statistics into the plan indicators fed from them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", action="store_true", help="Run here and now instead of queueing the task."
        )

    def handle(self, *args, **options):
        if options["now"]:
            count = services.run_all_feeds()
            self.stdout.write(f"{count} indicator feeds run.")
            return
        result = feed_indicators.enqueue()
        self.stdout.write(f"Indicator feeds queued ({result.id}).")
