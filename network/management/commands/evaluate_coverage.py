from django.core.management.base import BaseCommand

from network.tasks import evaluate_coverage


class Command(BaseCommand):
    help = "Queue a check of every coverage rule over its whole scope (run it nightly)."

    def handle(self, *args, **options):
        result = evaluate_coverage.enqueue()
        self.stdout.write(f"Coverage check queued ({result.id}).")
