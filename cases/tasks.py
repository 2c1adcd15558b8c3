"""Background work of the Cases module (django-tasks)."""

from django_tasks import task

from cases import reminders


@task()
def send_overdue_referral_reminders() -> int:
    """Remind senders and receiving services of overdue referrals. Returns mails sent."""
    return reminders.send_overdue_reminders()
