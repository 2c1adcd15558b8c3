"""Background work of the directory (django-tasks)."""

from django.db import transaction
from django_tasks import task

from network import coverage, reminders


@task()
def send_verification_reminders() -> int:
    """Remind directory editors of their organisation's stale entries (network.reminders).
    Returns the number of mails sent."""
    return reminders.send_verification_reminders()


@task()
def evaluate_coverage() -> int:
    """Check every coverage rule over its whole scope. Changes made through Synergie are
    checked at once; this catches the rest (a new organisation, changed measure actors).
    Returns the number of open gaps."""
    with transaction.atomic():
        return coverage.evaluate_all()
