from django.core.management.base import BaseCommand

from consultations.services import send_reminders


class Command(BaseCommand):
    help = "Remind everyone in the register of tomorrow's case consultations (no personal data)."

    def handle(self, *args, **options):
        sent = send_reminders()
        self.stdout.write(f"{sent} reminder(s) sent.")
