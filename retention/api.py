"""Retention in the API, for the data protection officer: the organisation's rules, the
review queue and its decisions, legal holds and the history of removals.

Through the same access functions, forms and services as the pages: 401 without
credentials, 403 for a user who is not a DPO, 404 for what belongs to another
organisation; input the forms refuse is a 400 with the errors by field. Lists record the
persons they returned in the audit trail. Approving a removal, which cannot be undone, needs
a current TOTP code in the X-Synergie-OTP header (step-up); keeping a record longer does not.
"""

import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate

from audit.services import record_person_reads
from core.api import AUTHENTICATED, ErrorOut, require_write, step_up_refused
from core.forms import raise_form_errors
from retention import access, clock, services
from retention.forms import BulkApproveForm, Decision, HoldForm, HoldScope, LiftForm, RuleForm
from retention.models import DEFAULT_RULES, ReviewStatus, RuleKind

router = Router(tags=["retention"])


# --- Schemas --------------------------------------------------------------------------------


class RetentionRuleOut(Schema):
    """A rule in force: the organisation's own, or the default (`is_default`)."""

    kind: str = Field(..., description="; ".join(RuleKind.values))
    cell: str | None = Field(None, description="Key of the LIVC-R, for a cell's minutes rule")
    months: int
    action: str = Field(..., description="anonymise or delete")
    is_default: bool
    updated_at: datetime.datetime | None

    @staticmethod
    def resolve_cell(obj):
        return obj.cell.key if obj.cell_id else None

    @staticmethod
    def resolve_updated_at(obj):
        return obj.updated_at if obj.pk else None


class RetentionRuleIn(Schema):
    months: int = Field(..., description="How long the records are kept, from their start date")
    action: str = Field(..., description="anonymise or delete")


class RetentionItemOut(Schema):
    """A record at the end of its clock: which one (its person's handle, or the meeting),
    since when, and what was decided."""

    id: UUID
    kind: str
    status: str = Field(..., description="pending, approved, extended, done or cancelled")
    due_since: datetime.date
    held: bool = Field(..., description="A legal hold covers it: it cannot be removed now")
    person: str | None = Field(None, description="Handle of the person, while the record exists")
    cell: str | None = Field(None, description="Key of the LIVC-R, for minutes")
    meeting_on: datetime.date | None = None
    action: str = Field(..., description="anonymise or delete, once approved")
    extended_until: datetime.date | None
    decided_by: str | None = Field(None, description="E-mail of the DPO who decided")
    decided_at: datetime.datetime | None
    executed_at: datetime.datetime | None
    removed: dict[str, int] = Field(..., description="Rows removed per table, once done")

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_person(obj):
        if obj.file_id and obj.file:
            return obj.file.person.handle
        if obj.referral_id and obj.referral:
            return obj.referral.person.handle
        return None

    @staticmethod
    def resolve_cell(obj):
        return obj.meeting.cell.key if obj.meeting_id and obj.meeting else None

    @staticmethod
    def resolve_meeting_on(obj):
        return obj.meeting.starts_at.date() if obj.meeting_id and obj.meeting else None

    @staticmethod
    def resolve_decided_by(obj):
        return obj.decided_by.email if obj.decided_by_id else None


class RetentionQueueFilter(Schema):
    kind: str | None = Field(None, description="Only this kind of record")
    status: str | None = Field(
        None, description="pending (the default), approved, extended, or open for all three"
    )


class RetentionDecisionIn(Schema):
    decision: str = Field(..., description="approve, or extend (with until and reason)")
    until: datetime.date | None = None
    reason: str = ""


class RetentionBulkApproveIn(Schema):
    items: list[UUID]


class RetentionBulkApproveOut(Schema):
    approved: int
    skipped: list[UUID] = Field(..., description="Not pending any more, or under a legal hold")


class LegalHoldOut(Schema):
    id: UUID
    person: str = Field(..., description="Handle of the person")
    scope: str = Field(..., description="file: the organisation's file; person: all it holds")
    reason: str
    placed_by: str
    placed_at: datetime.datetime
    lifted_by: str | None
    lifted_at: datetime.datetime | None
    lift_reason: str

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_person(obj):
        return (obj.person or obj.file.person).handle

    @staticmethod
    def resolve_scope(obj):
        return HoldScope.FILE if obj.file_id else HoldScope.PERSON

    @staticmethod
    def resolve_placed_by(obj):
        return obj.placed_by.email

    @staticmethod
    def resolve_lifted_by(obj):
        return obj.lifted_by.email if obj.lifted_by_id else None


class LegalHoldIn(Schema):
    handle: str = Field(..., description="Handle of a person your organisation holds records on")
    scope: str = Field(HoldScope.FILE, description="file or person")
    reason: str


class LegalHoldLiftIn(Schema):
    reason: str


# --- Helpers --------------------------------------------------------------------------------


class RetentionPagination(CursorPagination):
    """Cursor pagination that logs the persons a page of review items showed."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        record_person_reads(
            "retention.review.listed",
            actor=request.auth,
            target_type="retention.reviewitem",
            rows=[
                (item.pk, subject)
                for item in page[self.items_attribute]
                if (subject := access.subject_of(item))
            ],
            via="api",
        )
        return page


def _rules(user) -> list:
    in_force = clock.Rules([user.organisation_id])
    rules = [in_force.get(user.organisation_id, kind) for kind in RuleKind]
    return rules + sorted(
        in_force.cell_rules(user.organisation_id), key=lambda rule: rule.cell_id or 0
    )


def _rule_data(payload: RetentionRuleIn) -> dict:
    form = RuleForm({"months": payload.months, "action": payload.action})
    raise_form_errors(form)
    return {"months": form.cleaned_data["months"], "action": form.cleaned_data["action"]}


def _item(request, item_uuid: UUID):
    return access.get_item_for_dpo(request.auth, item_uuid, "retention.review.viewed")


# --- Rules ----------------------------------------------------------------------------------


@router.get(
    "/rules",
    response=list[RetentionRuleOut],
    auth=AUTHENTICATED,
    summary="The retention rules in force in your organisation (DPO)",
)
def list_retention_rules(request):
    access.require_dpo(request.auth)
    return _rules(request.auth)


@router.put(
    "/rules/{kind}",
    response=RetentionRuleOut,
    auth=AUTHENTICATED,
    summary="Set how long a kind of record is kept, and what happens then (DPO)",
)
def update_retention_rule(request, kind: str, payload: RetentionRuleIn):
    require_write(request)
    access.require_dpo(request.auth)
    if kind not in DEFAULT_RULES:
        raise Http404
    user = request.auth
    return services.change_rule(user.organisation, kind, _rule_data(payload), actor=user)


@router.put(
    "/rules/cells/{key}",
    response=RetentionRuleOut,
    auth=AUTHENTICATED,
    summary="Set how long one LIVC-R your organisation coordinates keeps its minutes (DPO)",
)
def update_retention_cell_rule(request, key: str, payload: RetentionRuleIn):
    require_write(request)
    user = request.auth
    cell = access.get_cell_for_dpo(user, key)
    return services.change_rule(
        user.organisation,
        RuleKind.CONSULTATION_MINUTES,
        _rule_data(payload),
        actor=user,
        cell=cell,
    )


@router.delete(
    "/rules/cells/{key}",
    response={204: None},
    auth=AUTHENTICATED,
    summary="Let a cell follow the organisation's rule for minutes again (DPO)",
)
def delete_retention_cell_rule(request, key: str):
    require_write(request)
    rule = access.get_cell_rule_for_dpo(request.auth, key)
    services.remove_cell_rule(rule, actor=request.auth)
    return Status(204, None)


# --- The review queue -----------------------------------------------------------------------


@router.get(
    "/queue",
    response=list[RetentionItemOut],
    auth=AUTHENTICATED,
    summary="Records of your organisation at the end of their clock, to review (DPO)",
)
@paginate(RetentionPagination, ordering=("due_since", "id"))
def list_retention_items(request, filters: Query[RetentionQueueFilter]):
    access.require_dpo(request.auth)
    statuses: list[str] = [ReviewStatus.PENDING]
    if filters.status == "open":
        statuses = [ReviewStatus.PENDING, ReviewStatus.APPROVED, ReviewStatus.EXTENDED]
    elif filters.status:
        statuses = [filters.status]
    items = access.visible_items(request.auth).filter(status__in=statuses)
    if filters.kind:
        items = items.filter(kind=filters.kind)
    return items


@router.get(
    "/queue/{item_uuid}",
    response=RetentionItemOut,
    auth=AUTHENTICATED,
    summary="One record to review (DPO)",
)
def get_retention_item(request, item_uuid: UUID):
    return _item(request, item_uuid)


@router.post(
    "/queue/{item_uuid}/decision",
    response={200: RetentionItemOut, 403: ErrorOut},
    auth=AUTHENTICATED,
    summary="Approve a record's removal (step-up: X-Synergie-OTP), or keep it until a date, "
    "with a reason (DPO)",
    description="Approving needs a current code of your authenticator app in the "
    "X-Synergie-OTP header; without it the answer is 403 and nothing changes. "
    "Keeping a record longer needs no code.",
)
def decide_retention_item(request, item_uuid: UUID, payload: RetentionDecisionIn):
    require_write(request)
    item = _item(request, item_uuid)
    form = Decision(
        {
            "decision": payload.decision,
            "until": payload.until.isoformat() if payload.until else "",
            "reason": payload.reason,
        }
    )
    raise_form_errors(form)
    if form.cleaned_data["decision"] == Decision.EXTEND:
        services.extend(
            item,
            until=form.cleaned_data["until"],
            reason=form.cleaned_data["reason"],
            actor=request.auth,
        )
    else:
        refused = step_up_refused(request)
        if refused:
            return refused
        approved, _skipped = services.approve([item], actor=request.auth)
        if not approved:
            raise ValidationError(
                _("This record cannot be approved: it is under a legal hold or already decided.")
            )
    return access.visible_items(request.auth).get(pk=item.pk)


@router.post(
    "/approvals",
    response={200: RetentionBulkApproveOut, 403: ErrorOut},
    auth=AUTHENTICATED,
    summary="Approve the removal of several pending records at once (DPO; step-up: X-Synergie-OTP)",
    description="Needs a current code of your authenticator app in the X-Synergie-OTP "
    "header; without it the answer is 403 and nothing is approved.",
)
def approve_retention_items(request, payload: RetentionBulkApproveIn):
    require_write(request)
    access.require_dpo(request.auth)
    refused = step_up_refused(request)
    if refused:
        return refused
    form = BulkApproveForm(
        {"items": [str(uuid) for uuid in payload.items]},
        items=access.visible_items(request.auth),
    )
    raise_form_errors(form)
    approved, skipped = services.approve(form.cleaned_data["items"], actor=request.auth)
    return {"approved": approved, "skipped": [item.uuid for item in skipped]}


# --- Legal holds ----------------------------------------------------------------------------


@router.get(
    "/holds",
    response=list[LegalHoldOut],
    auth=AUTHENTICATED,
    summary="Your organisation's legal holds, active and lifted (DPO)",
)
def list_legal_holds(request):
    access.require_dpo(request.auth)
    holds = list(access.visible_holds(request.auth).order_by("-placed_at", "-id")[:500])
    record_person_reads(
        "retention.hold.listed",
        actor=request.auth,
        target_type="retention.legalhold",
        rows=[(hold.pk, (hold.person or hold.file.person).uuid) for hold in holds],
        via="api",
    )
    return holds


@router.post(
    "/holds",
    response={201: LegalHoldOut},
    auth=AUTHENTICATED,
    summary="Place a legal hold on your organisation's file on a person, or on the person (DPO)",
)
def place_legal_hold(request, payload: LegalHoldIn):
    require_write(request)
    user = request.auth
    access.require_dpo(user)
    form = HoldForm({"handle": payload.handle, "scope": payload.scope, "reason": payload.reason})
    raise_form_errors(form)
    person, file = access.find_person_for_hold(user, form.cleaned_data["handle"])
    on_file = form.cleaned_data["scope"] == HoldScope.FILE
    if person is None:
        raise ValidationError(
            {"handle": _("No person with this handle in your organisation's files or referrals.")}
        )
    if on_file and file is None:
        raise ValidationError({"scope": _("Your organisation keeps no case file on this person.")})
    reason = form.cleaned_data["reason"]
    hold = services.place_hold(
        actor=user, person=person, file=file if on_file else None, reason=reason
    )
    return Status(201, access.visible_holds(user).get(pk=hold.pk))


@router.post(
    "/holds/{hold_uuid}/lift",
    response=LegalHoldOut,
    auth=AUTHENTICATED,
    summary="Lift a legal hold, with the reason: the clocks run again (DPO)",
)
def lift_legal_hold(request, hold_uuid: UUID, payload: LegalHoldLiftIn):
    require_write(request)
    hold = access.get_hold_for_dpo(request.auth, hold_uuid, "retention.hold.viewed")
    form = LiftForm({"reason": payload.reason})
    raise_form_errors(form)
    services.lift_hold(hold, actor=request.auth, reason=form.cleaned_data["reason"])
    return access.visible_holds(request.auth).get(pk=hold.pk)


# --- History --------------------------------------------------------------------------------


@router.get(
    "/history",
    response=list[RetentionItemOut],
    auth=AUTHENTICATED,
    summary="Records of your organisation removed, or no longer due, newest first (DPO)",
)
@paginate(RetentionPagination, ordering=("-id",))
def list_retention_history(request):
    access.require_dpo(request.auth)
    return access.visible_items(request.auth).filter(
        status__in=(ReviewStatus.DONE, ReviewStatus.CANCELLED)
    )
