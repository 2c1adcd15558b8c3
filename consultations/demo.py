"""Namur's LIVC-R at work, with the fictional persons of the Cases demo: a meeting held a
month ago (Sam discussed, an action still open, minutes waiting for approval) and the next
meeting, in a week, where Sam comes back for follow-up and the CPAS is invited for him."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.models import User
from cases import services as case_services
from cases.models import CaseFile, Contribution
from consultations import services
from consultations.models import Meeting
from network.models import Organisation, Professional
from platforms.models import Membership, Platform

CELL = "namur-livc-r"


def _link_accounts(cell: Platform) -> None:
    """The seats of the cell are posts; link each holder to the demo account with their
    e-mail address so that the account sits in the cell."""
    for membership in Membership.objects.filter(platform=cell).select_related("post__holder"):
        holder = membership.post.holder if membership.post else None
        if holder is None or holder.user_id:
            continue
        user = User.objects.filter(email__iexact=holder.email).first()
        if user is not None and not Professional.objects.filter(user=user).exists():
            holder.user = user
            holder.save(update_fields=["user"])


def _at(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def load_consultations() -> None:
    """Create what is missing (a second run changes nothing)."""
    cell = Platform.objects.filter(key=CELL).first()
    if cell is None:
        return
    _link_accounts(cell)
    if Meeting.objects.filter(cell=cell).exists():
        return
    officer = User.objects.get(email="referral@demo.synergie.test")
    prevention = User.objects.get(email="municipal@demo.synergie.test")
    chair = User.objects.filter(email="rose.mandat@demo.synergie.test").first()
    partner = User.objects.get(email="partner@demo.synergie.test")
    files = list(
        CaseFile.objects.filter(organisation=officer.organisation, status="open")
        .select_related("person")
        .order_by("opened_on")
    )
    if chair is None or not files:
        return
    texts = [
        "Suivi par le référent radicalisme; accepte un accompagnement vers la formation. "
        "Isolement en ligne à surveiller.",
        "Situation familiale tendue; la maison de justice suit les conditions imposées.",
    ]
    for file, text in zip(files, texts, strict=False):
        if not Contribution.objects.filter(file=file, to_livc=cell).exists():
            case_services.contribute(
                file,
                {
                    "kind": "summary",
                    "text": text,
                    "purpose": "Concertation de cas à la CSIL-R",
                    "legal_basis": "case_consultation",
                },
                [],
                actor=officer,
                to_livc=cell,
            )
    cpas = Organisation.objects.get(key="cpas-namur")
    held = services.schedule_meeting(
        cell,
        {
            "starts_at": _at(-30, 9),
            "ends_at": _at(-30, 11),
            "location": "Hôtel de ville de Namur, salle du collège",
            "chair": chair,
            "secretary": prevention,
        },
        acting_user=prevention,
    )
    first = services.add_case(held, files[0].person, officer.organisation, acting_user=prevention)
    services.record_attendance(
        held, set(held.attendance.values_list("pk", flat=True)), acting_user=prevention
    )
    services.record_discussion(
        first,
        {
            "summary": "Le référent présente la situation; le CPAS confirme l'accompagnement "
            "vers la formation.",
            "decisions": "Maintenir le suivi; revoir la situation à la prochaine réunion.",
            "discussed": True,
        },
        first.version,
        acting_user=prevention,
    )
    services.add_action(
        first,
        {
            "text": "Vérifier l'inscription à la formation qualifiante.",
            "owner": cpas,
            "due_on": timezone.localdate() + datetime.timedelta(days=10),
        },
        acting_user=prevention,
    )
    services.set_status(held, "held", acting_user=prevention)
    services.write_minutes(
        held,
        "Présents: les membres de la cellule. Un cas discuté sous son pseudonyme; une action "
        "confiée au CPAS. Prochaine réunion dans un mois.",
        None,
        acting_user=prevention,
    )
    upcoming = services.schedule_meeting(
        cell,
        {
            "starts_at": _at(7, 9),
            "ends_at": _at(7, 11),
            "location": "Hôtel de ville de Namur, salle du collège",
            "chair": chair,
            "secretary": prevention,
        },
        acting_user=prevention,
    )
    carried = upcoming.cases.first()
    if carried is not None:
        services.invite(
            carried,
            partner,
            "Le CPAS accompagne la personne vers la formation.",
            acting_user=prevention,
        )
    if len(files) > 1:
        services.add_case(upcoming, files[1].person, officer.organisation, acting_user=prevention)
