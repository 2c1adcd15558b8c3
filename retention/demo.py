"""Something for Namur's data protection officer to review: a referral closed with no
further action fourteen months ago and a file closed five years and a month ago, both past
their clock, queued by one run of the job (fictional persons, like the rest of the demo)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.models import User
from cases import services as case_services
from cases.demo import _referral
from cases.models import CaseFile, Referral
from retention import services
from retention.models import ReviewItem

OLD_REFERRAL = "Ancien Signalement (fictif)"
OLD_FILE = "Ancien Dossier (fictif)"


def _ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def load_retention() -> None:
    """Create what is missing (a second run changes nothing)."""
    officer = User.objects.get(email="referral@demo.synergie.test")
    school = User.objects.get(email="school@demo.synergie.test")
    if ReviewItem.objects.filter(organisation=officer.organisation).exists():
        return
    namur = officer.organisation
    old = _referral(
        school,
        namur,
        OLD_REFERRAL,
        datetime.date(1999, 6, 1),
        "Propos inquiétants rapportés une seule fois; aucun autre signe depuis.",
        days=430,
        source_org=school.organisation,
    )
    case_services.close_referral(old, actor=officer, note="Pas de suite.")
    Referral.objects.filter(pk=old.pk).update(
        decided_at=timezone.now() - datetime.timedelta(days=425)
    )
    earlier = _referral(
        school,
        namur,
        OLD_FILE,
        datetime.date(1995, 2, 2),
        "Inquiétude de l'école, suivie d'un accompagnement qui s'est bien terminé.",
        days=2100,
        source_org=school.organisation,
    )
    file = case_services.accept_referral(earlier, actor=officer, manager=officer, note="")
    case_services.close_file(
        file,
        {"closure_reason": "goals_reached", "outcome": "stabilised", "closure_note": ""},
        actor=officer,
        expected_version=file.version,
    )
    CaseFile.objects.filter(pk=file.pk).update(opened_on=_ago(2100), closed_on=_ago(1860))
    services.queue_due(today=timezone.localdate())
