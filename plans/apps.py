from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Action plans")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from plans import cache

        def changed(sender, update_fields=None, **kwargs) -> None:
            # An editor confirming an entry changes nothing a plan page shows.
            if update_fields and set(update_fields) <= {"verified_at", "verified_by"}:
                return
            cache.invalidate()

        # Every model whose rows a plan page or the public API shows. Import jobs are left
        # out: their progress counter changes on every checked row and no page caches it.
        watched = [
            model for model in self.get_models() if model._meta.model_name not in {"planimport"}
        ]
        watched.append(apps.get_model("network", "Organisation"))
        for model in watched:
            post_save.connect(
                changed, sender=model, weak=False, dispatch_uid=f"plans-cache-{model}"
            )
            post_delete.connect(
                changed, sender=model, weak=False, dispatch_uid=f"plans-cache-del-{model}"
            )
