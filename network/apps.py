from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What the public directory does not show: a change to them leaves its cache valid.
NOT_IN_THE_DIRECTORY = {"coveragerule", "coveragegap"}


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Network")

    def ready(self):
        from network import (
            cache,
            signals,  # noqa: F401  (connects the receivers)
        )

        watched = [
            model
            for model in self.get_models()
            if model._meta.model_name not in NOT_IN_THE_DIRECTORY
        ]
        cache.watch(watched, ignore_fields=frozenset())
