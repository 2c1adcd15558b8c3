from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FiguresConfig(AppConfig):
    """Anonymised statistics (named "figures": an app called "statistics" would hide
    Python's own module of that name)."""

    name = "figures"
    verbose_name = _("Statistics")
