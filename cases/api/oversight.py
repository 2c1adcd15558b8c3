"""Break-glass access and its review, and the DPO's disclosure log of a person."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Status
from ninja.pagination import CursorPagination, paginate

from cases import access, services
from cases.api.common import AuditedCursorPagination, _contribution_status, router
from cases.api.sharing_schemas import (
    BreakGlassFilter,
    BreakGlassIn,
    BreakGlassOut,
    BreakGlassReviewIn,
    DisclosureLogOut,
)
from cases.forms import BreakGlassForm, ReviewForm
from core.api import AUTHENTICATED, ErrorOut, require_write, step_up_refused
from core.forms import raise_form_errors

# --- Break-glass ------------------------------------------------------------------------------


GRANT_RELATED = ("user", "file__person", "reviewed_by")


@router.post(
    "/break-glass",
    response={201: BreakGlassOut, 403: ErrorOut},
    auth=AUTHENTICATED,
    summary="Open a file of your organisation you are not on, read-only for a few hours, "
    "giving the emergency (step-up: X-Synergie-OTP)",
)
def open_break_glass(request, payload: BreakGlassIn):
    require_write(request)
    access.require(access.works_cases(request.auth))
    refused = step_up_refused(request)
    if refused:
        return refused
    form = BreakGlassForm(payload.dict())
    raise_form_errors(form)
    file = access.break_glass_file(request.auth, form.cleaned_data["handle"])
    if file is None:
        # the same answer for an unknown handle, another organisation's file or one's own case
        raise ValidationError({"handle": _("No file of your organisation can be opened this way.")})
    grant = services.break_glass(file, form.cleaned_data["reason"], actor=request.auth)
    return Status(201, grant)


@router.get(
    "/break-glass",
    response=list[BreakGlassOut],
    auth=AUTHENTICATED,
    summary="Break-glass uses in your organisation, with their reasons, to review (DPO)",
)
@paginate(
    AuditedCursorPagination,
    ordering=("-id",),
    action="case.break_glass.listed",
    target_type="cases.breakglass",
    person=lambda grant: grant.file.person.uuid,
)
def list_break_glass(request, filters: Query[BreakGlassFilter]):
    access.require(access.is_dpo(request.auth))
    grants = access.break_glass_to_review(request.auth).select_related(*GRANT_RELATED)
    if filters.reviewed is not None:
        grants = grants.filter(reviewed_at__isnull=not filters.reviewed)
    return grants


@router.post(
    "/break-glass/{grant_uuid}/review",
    response=BreakGlassOut,
    auth=AUTHENTICATED,
    summary="Record whether a break-glass use was justified (DPO), once",
)
def review_break_glass(request, grant_uuid: UUID, payload: BreakGlassReviewIn):
    require_write(request)
    grant = access.get_break_glass_for_dpo(request.auth, grant_uuid, "case.break_glass.viewed")
    access.require(grant.reviewed_at is None)
    form = ReviewForm({"justified": "1" if payload.justified else "0", "note": payload.note})
    raise_form_errors(form)
    return services.review_break_glass(
        grant,
        justified=form.cleaned_data["justified"],
        note=form.cleaned_data["note"],
        actor=request.auth,
    )


# --- Data protection officer --------------------------------------------------------------------


def _disclosures(person, organisation_id: int) -> list[dict]:
    """What the DPO's organisation passed on about the person or received, newest first,
    without text."""
    contributions, referrals, handovers = access.disclosed(person, organisation_id)
    contributions = (
        contributions.defer("text", "consent_reference", "withdrawal_reason")  # never shown
        .select_related("author", "to_livc", "file__organisation")
        .prefetch_related("recipients")
    )
    referrals = referrals.defer("shared", "message", "reason").select_related(
        "service__organisation", "sent_by", "file__organisation"
    )
    handovers = handovers.defer("summary", "consent_reference").select_related(
        "to_organisation", "requested_by", "file__organisation"
    )
    rows = [
        {
            "kind": "contribution",
            "id": c.uuid,
            "at": c.created_at,
            "by": c.author.email,
            "organisation": c.file.organisation.key,
            "legal_basis": c.legal_basis,
            "purpose": c.purpose,
            "recipients": sorted(o.key for o in c.recipients.all())
            + ([c.to_livc.key] if c.to_livc else []),
            "service": None,
            "information": [c.kind],
            "status": _contribution_status(c),
            "withdrawn_at": c.withdrawn_at,
        }
        for c in contributions
    ]
    rows += [
        {
            "kind": "service_referral",
            "id": r.uuid,
            "at": r.sent_at,
            "by": r.sent_by.email,
            "organisation": r.file.organisation.key,
            "legal_basis": r.legal_basis,
            "purpose": "",
            "recipients": [r.service.organisation.key],
            "service": r.service.uuid,
            "information": list(r.fields),
            "status": r.status,
            "withdrawn_at": None,
        }
        for r in referrals
    ]
    rows += [
        {
            "kind": "handover",
            "id": h.uuid,
            "at": h.requested_at,
            "by": h.requested_by.email,
            "organisation": h.file.organisation.key,
            "legal_basis": h.legal_basis,
            "purpose": "",
            "recipients": [h.to_organisation.key],
            "service": None,
            "information": ["summary"],
            "status": h.status,
            "withdrawn_at": None,
        }
        for h in handovers
    ]
    return sorted(rows, key=lambda row: row["at"], reverse=True)


@router.get(
    "/persons/{person_uuid}/disclosures",
    response=DisclosureLogOut,
    auth=AUTHENTICATED,
    summary="A person's disclosure log: who saw what, what was shared with whom (DPO)",
)
def get_disclosure_log(
    request, person_uuid: UUID, cursor: str | None = None, page_size: int | None = None
):
    person = access.get_person_for_dpo(request.auth, person_uuid, "case.disclosures.viewed")
    organisation_id = request.auth.organisation_id
    paginator = CursorPagination(ordering=("-at", "-id"))
    page = paginator.paginate_queryset(
        access.disclosure_events(request.auth, person).select_related("organisation"),
        CursorPagination.Input(cursor=cursor, page_size=page_size),
        request,
    )
    return {
        "person": person,
        "disclosures": _disclosures(person, organisation_id),
        "events": page["results"],
        "next": page["next"],
        "previous": page["previous"],
    }
