"""The one signal of the network: a new account finds the professional it belongs to."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="network.link_new_account")
def link_new_account(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from network.services import link_account

        link_account(instance)
