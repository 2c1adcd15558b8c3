from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Action plans")

    def ready(self) -> None:
        from plans import cache

        # Every model whose rows a plan page or the public API shows. Import jobs are left
        # out: their progress counter changes on every checked row and no page caches it.
        # An editor confirming an entry changes nothing a plan page shows.
        watched = [
            model for model in self.get_models() if model._meta.model_name not in {"planimport"}
        ]
        watched.append(apps.get_model("network", "Organisation"))
        cache.watch(watched, ignore_fields=frozenset({"verified_at", "verified_by"}))
