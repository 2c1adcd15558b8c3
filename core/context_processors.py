"""Navigation by role: each person sees the entries that concern them."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role, has_capability, roles_of
from cases.access import is_dpo, receives_referrals, works_cases
from figures.access import can_view_figures

# roles whose holders sit in LIVC-Rs or are invited to them (the page lists what each sees)
CONSULTATION_ROLES = {
    Role.LIVC_MEMBER,
    Role.MUNICIPAL_COORDINATOR,
    Role.REFERRAL_OFFICER,
    Role.PARTNER_PROFESSIONAL,
    Role.REFERENCE_PERSON,
    Role.HELPDESK_COUNSELLOR,
}


def capable(user, dotted: str) -> bool:
    """user.has_perm for the menu, from the roles already read for the request: has_perm
    reads the user's and the groups' permissions, two queries on every page. The menu follows
    the roles (groups); a permission given to one user directly, which no screen does, does
    not show in it (the pages themselves still accept it)."""
    return user.is_superuser or has_capability(user, dotted)


def navigation(request):
    user = request.user
    entries = [
        (reverse("core:home"), _("Home")),
        (reverse("plans:list"), _("Action plans")),
        (reverse("network:directory"), _("Directory")),
        (reverse("platforms:list"), _("Platforms")),
    ]
    if user.is_authenticated:
        if capable(user, "plans.report_progress") or capable(user, "plans.coordinate_plans"):
            entries.append((reverse("plans:my_work"), _("My work")))
        if works_cases(user):
            entries.append((reverse("cases:files"), _("Cases")))
        if receives_referrals(user):
            entries.append((reverse("cases:referrals"), _("Referrals")))
        if roles_of(user) & CONSULTATION_ROLES:
            entries.append((reverse("consultations:list"), _("Consultations")))
        if is_dpo(user):
            entries.append((reverse("cases:disclosure_search"), _("Disclosure logs")))
            entries.append((reverse("retention:queue"), _("Retention")))
        if capable(user, "network.coordinate_network"):
            entries.append((reverse("network:coverage"), _("Coverage")))
        if can_view_figures(user):
            entries.append((reverse("figures:index"), _("Statistics")))
        if capable(user, "audit.view_audit_log"):
            entries.append((reverse("audit:search"), _("Audit log")))
        entries.append((reverse("accounts:profile"), _("My account")))
    entries.append((reverse("api:openapi-view"), _("API")))
    return {"nav_entries": entries, "user_roles": roles_of(user)}
