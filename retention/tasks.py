"""Background work of the Retention module (django-tasks)."""

from django_tasks import task

from retention import services


@task()
def run_retention() -> dict[str, int]:
    """Queue what reached the end of its clock and remove what was approved (the same
    function as `manage.py run_retention`). Returns the run's counts."""
    run = services.run_retention()
    return {
        "queued": run.queued,
        "executed": run.executed,
        "cancelled": run.cancelled,
        "held": run.held,
    }
