"""Between organisations: the shared file, referral intake, referrals to services, handovers."""

from typing import cast
from uuid import UUID

from django import forms
from django.db.models import F
from django.utils import timezone
from ninja import Query, Status
from ninja.pagination import paginate

from cases import access, services
from cases.api.common import (
    AuditedCursorPagination,
    _blank,
    _conflict_detail,
    _file,
    _keyed,
    _managed,
    router,
)
from cases.api.file_schemas import FileOut
from cases.api.sharing_schemas import (
    AnswerIn,
    ContributionIn,
    ContributionOut,
    HandoverDecisionIn,
    HandoverIn,
    HandoverOut,
    IncomingFilter,
    IncomingHandoverOut,
    IncomingOut,
    ReferralDecisionIn,
    ReferralFilter,
    ReferralIn,
    ReferralOut,
    SentReferralOut,
    ServiceReferralIn,
    ServiceReferralOut,
    StatusConflictOut,
    WithdrawIn,
)
from cases.forms import (
    AnswerForm,
    ContributionForm,
    DecideReferralForm,
    HandoverDecisionForm,
    HandoverForm,
    ReferralDecision,
    ReferralForm,
    ServiceReferralForm,
    WithdrawForm,
    receiving_organisations,
)
from cases.models import Handover, ReferralStatus, ServiceReferralStatus, TeamRole
from core.api import AUTHENTICATED, require_write
from core.forms import raise_form_errors

# --- Shared file ------------------------------------------------------------------------------


@router.get(
    "/files/{file_uuid}/contributions",
    response=list[ContributionOut],
    auth=AUTHENTICATED,
    summary="The person's shared file as this file's organisation sees it",
)
def list_contributions(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.contribution.listed")
    return list(access.visible_contributions(request.auth, file))


@router.post(
    "/files/{file_uuid}/contributions",
    response={201: ContributionOut},
    auth=AUTHENTICATED,
    summary="Share one item with the LIVC-R or partner organisations, on a legal basis",
)
def create_contribution(request, file_uuid: UUID, payload: ContributionIn):
    require_write(request)
    file = _file(request, file_uuid)
    access.require(access.can_share(request.auth, file))
    form = ContributionForm({name: _blank(value) for name, value in payload.dict().items()})
    _keyed(form, to_livc="key", recipients="key")
    raise_form_errors(form)
    contribution = services.contribute(
        file,
        form.data_for_service(),
        list(form.cleaned_data["recipients"]),
        actor=request.auth,
        to_livc=form.cleaned_data["to_livc"],
    )
    return Status(201, access.get_contribution_for_user(request.auth, file, contribution.uuid))


@router.post(
    "/files/{file_uuid}/contributions/{contribution_uuid}/withdraw",
    response=ContributionOut,
    auth=AUTHENTICATED,
    summary="Withdraw a contribution (its author); it stays in the log",
)
def withdraw_contribution(request, file_uuid: UUID, contribution_uuid: UUID, payload: WithdrawIn):
    require_write(request)
    file = _file(request, file_uuid)
    contribution = access.get_contribution_for_user(request.auth, file, contribution_uuid)
    access.require(access.can_withdraw(request.auth, file, contribution))
    form = WithdrawForm(payload.dict())
    raise_form_errors(form)
    services.withdraw_contribution(contribution, form.cleaned_data["reason"], actor=request.auth)
    return access.get_contribution_for_user(request.auth, file, contribution_uuid)


# --- Referral intake --------------------------------------------------------------------------


REFERRAL_RELATED = ("person", "organisation", "referrer_organisation", "file", "redirected_to")


class _StatusFilterForm(forms.Form):
    """Validates a status filter in the user's language."""

    status = forms.ChoiceField(required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", ""), *choices]


def _status_filter(status: str | None, choices) -> str:
    form = _StatusFilterForm({"status": status or ""}, choices=choices)
    raise_form_errors(form)
    return form.cleaned_data["status"]


@router.post(
    "/referrals",
    response={201: SentReferralOut},
    auth=AUTHENTICATED,
    summary="Refer a person to an organisation's referral officers",
)
def create_referral(request, payload: ReferralIn):
    require_write(request)
    access.require(access.can_refer_person(request.auth))
    data = payload.dict()
    data["received_on"] = data["received_on"] or timezone.localdate()
    form = ReferralForm({name: _blank(value) for name, value in data.items()})
    _keyed(form, organisation="key", referrer_organisation="key")
    raise_form_errors(form)
    referral = services.create_referral(
        actor=request.auth, person_data=form.person_data(), data=form.referral_data()
    )
    return Status(201, referral)


@router.get(
    "/referrals",
    response=list[ReferralOut],
    auth=AUTHENTICATED,
    summary="Referrals received by your organisation (its referral officers)",
)
@paginate(
    AuditedCursorPagination,
    ordering=("-id",),
    action="case.referral.listed",
    target_type="cases.referral",
    person=lambda referral: referral.person.uuid,
)
def list_referrals(request, filters: Query[ReferralFilter]):
    status = _status_filter(filters.status, ReferralStatus.choices)
    referrals = access.visible_referrals(request.auth).select_related(*REFERRAL_RELATED)
    return referrals.filter(status=status) if status else referrals


@router.get(
    "/referrals/sent",
    response=list[SentReferralOut],
    auth=AUTHENTICATED,
    summary="The referrals you sent, with their status only",
)
@paginate(
    AuditedCursorPagination,
    ordering=("-id",),
    action="case.referral.listed",
    target_type="cases.referral",
    person=lambda referral: referral.person.uuid,
)
def list_sent_referrals(request):
    return access.sent_referrals(request.auth).select_related("person", "organisation")


@router.get(
    "/referrals/{referral_uuid}",
    response=ReferralOut,
    auth=AUTHENTICATED,
    summary="A referral received by your organisation",
)
def get_referral(request, referral_uuid: UUID):
    return access.get_referral_for_user(request.auth, referral_uuid, "case.referral.viewed")


@router.post(
    "/referrals/{referral_uuid}/decision",
    response={200: ReferralOut, 409: StatusConflictOut},
    auth=AUTHENTICATED,
    summary="Accept (opening a file), redirect to a service, or close with no further action",
)
def decide_referral(request, referral_uuid: UUID, payload: ReferralDecisionIn):
    require_write(request)
    referral = access.get_referral_for_user(request.auth, referral_uuid, "case.referral.viewed")
    data = {name: _blank(value) for name, value in payload.dict().items()}
    form = DecideReferralForm(
        {**data, "service": str(data["service"])}, organisation_id=referral.organisation_id
    )
    _keyed(form, manager="email", service="uuid")
    raise_form_errors(form)
    decision, note = form.cleaned_data["decision"], form.cleaned_data["note"]
    common = {"actor": request.auth, "note": note, "expected_version": payload.version}
    try:
        if decision == ReferralDecision.ACCEPT:
            services.accept_referral(referral, manager=form.cleaned_data["manager"], **common)
        elif decision == ReferralDecision.REDIRECT:
            services.redirect_referral(referral, service=form.cleaned_data["service"], **common)
        else:
            services.close_referral(referral, **common)
    except services.EditConflict as conflict:
        current = conflict.current
        return Status(
            409,
            {
                "detail": _conflict_detail(),
                "current_version": current.version,
                "status": current.status,
            },
        )
    return (
        access.visible_referrals(request.auth).select_related(*REFERRAL_RELATED).get(pk=referral.pk)
    )


# --- Referrals to services ----------------------------------------------------------------------


@router.post(
    "/files/{file_uuid}/service-referrals",
    response={201: ServiceReferralOut},
    auth=AUTHENTICATED,
    summary="Refer the person to a service, sending the information chosen field by field",
)
def create_service_referral(request, file_uuid: UUID, payload: ServiceReferralIn):
    require_write(request)
    file = _file(request, file_uuid)
    access.require(access.can_refer(request.auth, file))
    form = ServiceReferralForm({**payload.dict(), "service": str(payload.service)})
    _keyed(form, service="uuid")
    raise_form_errors(form)
    data = form.cleaned_data
    referral = services.refer_to_service(
        file,
        data["service"],
        fields=data["fields"],
        message=data["message"],
        legal_basis=data["legal_basis"],
        actor=request.auth,
        **form.basis(),
    )
    return Status(201, referral)


@router.get(
    "/files/{file_uuid}/service-referrals",
    response=list[ServiceReferralOut],
    auth=AUTHENTICATED,
    summary="Referrals to services sent from a file, with their status",
)
def list_service_referrals(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.service_referral.listed")
    return list(file.service_referrals.select_related("service__organisation", "sent_by"))


@router.post(
    "/files/{file_uuid}/service-referrals/{referral_uuid}/withdraw",
    response=ServiceReferralOut,
    auth=AUTHENTICATED,
    summary="Withdraw a referral to a service while it awaits its next step (the team)",
)
def withdraw_service_referral(request, file_uuid: UUID, referral_uuid: UUID):
    require_write(request)
    file = _file(request, file_uuid)
    access.require(access.can_refer(request.auth, file))
    referral = access.get_sent_referral_for_user(request.auth, file, referral_uuid)
    referral.file = file
    services.withdraw_service_referral(referral, actor=request.auth)
    return file.service_referrals.select_related("service__organisation", "sent_by").get(
        pk=referral.pk
    )


INCOMING_RELATED = ("service", "file__organisation", "sent_by", "receiver_file")


@router.get(
    "/incoming",
    response=list[IncomingOut],
    auth=AUTHENTICATED,
    summary="Referrals to your organisation's services: only what was sent",
)
@paginate(
    AuditedCursorPagination,
    ordering=("-id",),
    action="case.service_referral.listed",
    target_type="cases.servicereferral",
    person=lambda referral: referral.person_uuid,
)
def list_incoming_referrals(request, filters: Query[IncomingFilter]):
    status = _status_filter(filters.status, ServiceReferralStatus.choices)
    referrals = (
        access.incoming_service_referrals(request.auth)
        .select_related(*INCOMING_RELATED)
        .annotate(person_uuid=F("file__person__uuid"))
    )
    return referrals.filter(status=status) if status else referrals


@router.get(
    "/incoming/{referral_uuid}",
    response=IncomingOut,
    auth=AUTHENTICATED,
    summary="A referral to one of your organisation's services",
)
def get_incoming_referral(request, referral_uuid: UUID):
    return access.get_incoming_referral_for_user(
        request.auth, referral_uuid, "case.service_referral.viewed"
    )


@router.post(
    "/incoming/{referral_uuid}/answer",
    response={200: IncomingOut, 409: StatusConflictOut},
    auth=AUTHENTICATED,
    summary="Accept or refuse a referral (with a reason), then report it done or dropped",
)
def answer_incoming_referral(request, referral_uuid: UUID, payload: AnswerIn):
    require_write(request)
    referral = access.get_incoming_referral_for_user(
        request.auth, referral_uuid, "case.service_referral.viewed"
    )
    form = AnswerForm(payload.dict())
    raise_form_errors(form)
    try:
        services.answer_service_referral(
            referral,
            form.cleaned_data["status"],
            form.cleaned_data["reason"],
            actor=request.auth,
            expected_version=payload.version,
        )
    except services.EditConflict as conflict:
        current = conflict.current
        return Status(
            409,
            {
                "detail": _conflict_detail(),
                "current_version": current.version,
                "status": current.status,
            },
        )
    return (
        access.incoming_service_referrals(request.auth)
        .select_related(*INCOMING_RELATED)
        .get(pk=referral.pk)
    )


@router.post(
    "/incoming/{referral_uuid}/file",
    response={201: FileOut},
    auth=AUTHENTICATED,
    summary="Open your organisation's own file on the person of an accepted referral, "
    "from what was sent only; you become its case manager",
)
def open_file_from_incoming_referral(request, referral_uuid: UUID):
    require_write(request)
    referral = access.get_incoming_referral_for_user(
        request.auth, referral_uuid, "case.service_referral.viewed"
    )
    file = services.open_file_from_service_referral(referral, actor=request.auth)
    file.my_role = TeamRole.MANAGER  # type: ignore[attr-defined]
    return Status(201, file)


# --- Handovers ---------------------------------------------------------------------------------


HANDOVER_RELATED = ("file__person", "file__organisation", "new_file")


@router.post(
    "/files/{file_uuid}/handover",
    response={201: HandoverOut},
    auth=AUTHENTICATED,
    summary="Hand the follow-up over to another organisation, on a legal basis (case manager)",
)
def request_handover(request, file_uuid: UUID, payload: HandoverIn):
    file = _managed(request, file_uuid)
    form = HandoverForm({name: _blank(value) for name, value in payload.dict().items()})
    receiving = cast(forms.ModelChoiceField, form.fields["to_organisation"])
    receiving.queryset = receiving_organisations().exclude(pk=file.organisation_id)
    _keyed(form, to_organisation="key")
    raise_form_errors(form)
    handover = services.request_handover(file, form.data_for_service(), actor=request.auth)
    return Status(201, handover)


@router.get(
    "/files/{file_uuid}/handovers",
    response=list[HandoverOut],
    auth=AUTHENTICATED,
    summary="The handovers requested from this file, newest first (case manager)",
)
def list_file_handovers(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.handover.history.viewed")
    access.require(access.can_manage_file(request.auth, file))
    return list(
        file.handovers.select_related("to_organisation", "requested_by").order_by("-requested_at")
    )


@router.get(
    "/handovers",
    response=list[IncomingHandoverOut],
    auth=AUTHENTICATED,
    summary="Handovers awaiting your organisation's decision (its referral officers)",
)
@paginate(
    AuditedCursorPagination,
    ordering=("-id",),
    action="case.handover.listed",
    target_type="cases.handover",
    person=lambda handover: handover.file.person.uuid,
)
def list_incoming_handovers(request):
    return access.incoming_handovers(request.auth).select_related(*HANDOVER_RELATED)


@router.post(
    "/handovers/{handover_uuid}/decision",
    response=IncomingHandoverOut,
    auth=AUTHENTICATED,
    summary="Accept a handover, naming your case manager, or decline it (referral officers)",
)
def decide_handover(request, handover_uuid: UUID, payload: HandoverDecisionIn):
    require_write(request)
    handover = access.get_handover_for_user(request.auth, handover_uuid, "case.handover.viewed")
    form = HandoverDecisionForm(
        {"accept": "1" if payload.accept else "0", "manager": _blank(payload.manager)},
        organisation_id=request.auth.organisation_id,
    )
    _keyed(form, manager="email")
    raise_form_errors(form)
    services.decide_handover(
        handover,
        accept=form.cleaned_data["accept"],
        actor=request.auth,
        manager=form.cleaned_data["manager"],
    )
    return Handover.objects.select_related(*HANDOVER_RELATED).get(pk=handover.pk)
