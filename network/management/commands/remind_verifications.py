from django.core.management.base import BaseCommand

from network.tasks import send_verification_reminders


class Command(BaseCommand):
    help = "Mail directory editors whose organisation has entries due for verification."

    def handle(self, *args, **options):
        result = send_verification_reminders.enqueue()
        self.stdout.write(f"Verification reminders queued ({result.id}).")
