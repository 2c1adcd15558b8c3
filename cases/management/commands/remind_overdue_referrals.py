from django.core.management.base import BaseCommand

from cases.tasks import send_overdue_referral_reminders


class Command(BaseCommand):
    help = "Mail senders and receiving services about overdue referrals to services."

    def handle(self, *args, **options):
        result = send_overdue_referral_reminders.enqueue()
        self.stdout.write(f"Overdue referral reminders queued ({result.id}).")
