"""Background work of the action-plan monitor (django-tasks)."""

from django.utils import timezone
from django_tasks import task

from plans import services
from plans.models import ReportingRound, RoundStatus


@task()
def send_round_reminders() -> int:
    """Remind contact points of every open round whose deadline has passed (at most once a
    day per round). Returns the number of mails sent."""
    today = timezone.localdate()
    sent = 0
    rounds = ReportingRound.objects.filter(status=RoundStatus.OPEN, deadline__lt=today)
    for rnd in rounds:
        if rnd.last_reminder_at and timezone.localdate(rnd.last_reminder_at) == today:
            continue
        sent += services.send_reminders(rnd, today)
    return sent


@task()
def run_plan_import(import_id: int, user_id: int) -> str:
    """Check and apply an uploaded spreadsheet (plans.imports.run_import)."""
    from accounts.models import User
    from plans.imports import run_import
    from plans.models import PlanImport

    job = PlanImport.objects.select_related("plan").get(pk=import_id)
    return run_import(job, acting_user=User.objects.get(pk=user_id)).status
