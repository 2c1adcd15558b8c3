from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Fields no cached render shows: a save that changes only these leaves the cache valid.
NOT_SHOWN = frozenset({"evaluated_at"})  # when a coverage rule was last checked


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Network")

    def ready(self):
        from network import (
            cache,
            signals,  # noqa: F401  (connects the receivers)
        )

        cache.watch(self.get_models(), ignore_fields=NOT_SHOWN)
