from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

# What of an account no cached render shows: a login saves only last_login.
ACCOUNT_FIELDS_NOT_SHOWN = frozenset({"last_login", "password", "language"})


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Network")

    def ready(self):
        from network import (
            cache,
            signals,  # noqa: F401  (connects the receivers)
        )

        cache.watch(self.get_models(), ignore_fields=frozenset())
        # the gap history names who closed a gap
        cache.watch([get_user_model()], ignore_fields=ACCOUNT_FIELDS_NOT_SHOWN)
