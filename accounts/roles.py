"""The roles of PRODUCT.md, kept as Django groups, and the capabilities each one carries.

Which rows a role may see is decided in each app's access.py; this module only says what a
role may do at all.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PLAN_COORDINATOR = "plan_coordinator", _("Plan coordinator")
    CONTACT_POINT = "contact_point", _("Contact point")
    MUNICIPAL_COORDINATOR = "municipal_coordinator", _("Municipal coordinator")
    REFERRAL_OFFICER = "referral_officer", _("Referral officer")
    PARTNER_PROFESSIONAL = "partner_professional", _("Partner professional")
    LIVC_MEMBER = "livc_member", _("LIVC-R member")
    REFERENCE_PERSON = "reference_person", _("Reference person")
    HELPDESK_COUNSELLOR = "helpdesk_counsellor", _("Help-desk counsellor")
    APPLICANT = "applicant", _("Applicant")
    REVIEWER = "reviewer", _("Reviewer")
    TRAINER = "trainer", _("Trainer")
    DPO = "dpo", _("Data protection officer")
    DIRECTORY_EDITOR = "directory_editor", _("Directory editor")


CAPABILITIES: dict[str, list[str]] = {
    Role.PLAN_COORDINATOR: ["plans.coordinate_plans", "network.coordinate_network"],
    Role.CONTACT_POINT: ["plans.report_progress"],
    Role.MUNICIPAL_COORDINATOR: ["plans.coordinate_plans", "network.coordinate_network"],
    Role.REFERRAL_OFFICER: ["cases.work_cases", "cases.receive_referrals"],
    Role.PARTNER_PROFESSIONAL: ["plans.report_progress", "cases.work_cases"],
    Role.LIVC_MEMBER: [],
    Role.REFERENCE_PERSON: [],
    Role.HELPDESK_COUNSELLOR: [],
    Role.APPLICANT: [],
    Role.REVIEWER: [],
    Role.TRAINER: [],
    Role.DPO: ["audit.view_audit_log"],
    Role.DIRECTORY_EDITOR: ["network.edit_directory"],
}

# Roles that can see information about persons: they must use a second factor.
PERSONAL_DATA_ROLES = frozenset(
    {
        Role.MUNICIPAL_COORDINATOR,
        Role.REFERRAL_OFFICER,
        Role.PARTNER_PROFESSIONAL,
        Role.LIVC_MEMBER,
        Role.REFERENCE_PERSON,
        Role.HELPDESK_COUNSELLOR,
        Role.DPO,
    }
)


def sync_role_groups() -> None:
    """Create one group per role and give it exactly its capabilities."""
    from django.contrib.auth.models import Group, Permission

    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = []
        for dotted in CAPABILITIES[role]:
            app_label, codename = dotted.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def sync_role_groups_after_migrate(sender, **kwargs) -> None:
    from django.apps import apps

    # Each app's permissions are created by its own post_migrate; every capability exists
    # once the last app's signal has run.
    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if sender is with_models[-1]:
        sync_role_groups()


def roles_of(user) -> frozenset[str]:
    """The role codes of a user, cached on the instance for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_synergie_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._synergie_roles = cached
    return cached


def has_role(user, role: str) -> bool:
    return role in roles_of(user)


def has_capability(user, dotted: str) -> bool:
    """Whether one of the user's roles carries the capability. Unlike user.has_perm, being
    a superuser does not count: no role, administrator included, sees case content."""
    return any(dotted in CAPABILITIES.get(role, ()) for role in roles_of(user))


def requires_mfa(user) -> bool:
    return bool(user.is_superuser or user.is_staff or roles_of(user) & PERSONAL_DATA_ROLES)
