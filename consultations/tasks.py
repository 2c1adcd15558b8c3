"""Background work of the Consultations module (django-tasks)."""

from django_tasks import task

from consultations import services


@task()
def send_consultation_reminders() -> int:
    """Remind the register of tomorrow's meetings. Returns mails sent."""
    return services.send_reminders()
