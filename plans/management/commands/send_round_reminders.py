from django.core.management.base import BaseCommand

from plans.tasks import send_round_reminders


class Command(BaseCommand):
    help = "Mail the contact points whose progress reports are past their round's deadline."

    def handle(self, *args, **options):
        result = send_round_reminders.enqueue()
        self.stdout.write(f"Reminders queued ({result.id}).")
