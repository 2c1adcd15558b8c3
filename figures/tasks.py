"""Background work of the statistics module (django-tasks)."""

from django_tasks import task

from figures import services


@task()
def feed_indicators() -> int:
    """Write the figures into the plan indicators fed from them (every night). Returns the
    number of feeds run."""
    return services.run_all_feeds()


@task()
def warm_figures() -> int:
    """Build every figure into the shared cache, so that no page view pays for it."""
    from figures.tables import warm_all

    return warm_all()
