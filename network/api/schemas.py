"""Schemas of the directory: organisations, services, posts and their holders, coverage
rules and gaps, protocols of cooperation."""

import datetime
from uuid import UUID

from ninja import Field, Schema

from core import i18n
from core.api import Translations
from network import access
from network.forms import ServiceForm
from network.models import SynergyArea

# Organisations and services ---------------------------------------------------------------


class Freshness(Schema):
    verified_at: datetime.datetime | None
    stale: bool


class VerifiableOut(Schema):
    freshness: Freshness

    @staticmethod
    def resolve_freshness(obj):
        return {"verified_at": obj.verified_at, "stale": obj.is_stale}


class OrganisationOut(VerifiableOut):
    key: str
    name: str
    abbreviation: str
    translations: dict[str, Translations]
    sector: str
    level: str
    parent: str | None = Field(None, description="Key of the parent organisation")
    kbo_number: str
    street: str
    postcode: str
    municipality: str
    website: str
    email: str
    phone: str
    languages: list[str]
    is_public: bool

    @staticmethod
    def resolve_name(obj):
        return obj.display_name

    @staticmethod
    def resolve_abbreviation(obj):
        return obj.short_name

    @staticmethod
    def resolve_translations(obj):
        return {
            "name": obj.name,
            "abbreviation": obj.abbreviations,
            "description": obj.description,
        }

    @staticmethod
    def resolve_parent(obj, context):
        parent = access.visible_parent(context["request"].auth, obj)
        return parent.key if parent else None


class SlotSchema(Schema):
    weekday: str = Field(..., description="MO, TU, WE, TH, FR, SA or SU")
    opens_at: datetime.time
    closes_at: datetime.time


class ServiceOut(VerifiableOut):
    id: UUID
    organisation: str = Field(..., description="Key of the organisation")
    name: str
    translations: dict[str, Translations]
    status: str
    target_groups: list[str]
    minimum_age: int | None
    maximum_age: int | None
    areas: list[str]
    channels: list[str]
    languages: list[str]
    intake: str
    waiting_weeks: int | None
    free_of_charge: bool
    contact_name: str
    email: str
    phone: str
    website: str
    street: str
    postcode: str
    municipality: str
    is_public: bool
    opening_hours: list[SlotSchema]

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.key

    @staticmethod
    def resolve_name(obj):
        return i18n.pick(obj.name)

    @staticmethod
    def resolve_translations(obj):
        return {name: getattr(obj, name) for name in ServiceForm.TRANSLATED}

    @staticmethod
    def resolve_opening_hours(obj):
        return list(obj.slots.all())


class DirectoryFilter(Schema):
    q: str | None = Field(None, description="Text search")
    sector: str | None = None
    level: str | None = None
    municipality: str | None = None
    language: str | None = Field(None, description="Language served, e.g. nl, fr, ar")
    target: str | None = Field(None, description="Target group (services only)")


class OrganisationPatch(Schema):
    name: Translations | None = None
    abbreviations: Translations | None = None
    description: Translations | None = None
    sector: str | None = None
    level: str | None = None
    kbo_number: str | None = None
    street: str | None = None
    postcode: str | None = None
    municipality: str | None = None
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    languages: list[str] | None = None
    is_public: bool | None = None


class ServiceIn(Schema):
    name: Translations | None = None
    description: Translations | None = None
    conditions: Translations | None = None
    information_needed: Translations | None = None
    hours_note: Translations | None = None
    fees: Translations | None = None
    status: str | None = None
    target_groups: list[str] | None = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    areas: list[str] | None = None
    channels: list[str] | None = None
    languages: list[str] | None = None
    intake: str | None = None
    waiting_weeks: int | None = None
    free_of_charge: bool | None = None
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    street: str | None = None
    postcode: str | None = None
    municipality: str | None = None
    is_public: bool | None = None
    opening_hours: list[SlotSchema] | None = None


class DirectoryImportOut(Schema):
    created: int
    updated: int
    unchanged: int


class DirectoryImportErrors(Schema):
    detail: str
    errors: list[str] = Field(
        default_factory=list, description='"Row 7, column level: …" (the header is row 1)'
    )


# Posts, the people holding them and coverage --------------------------------------------


class HolderOut(Schema):
    name: str
    email: str | None = Field(None, description="Shown to signed-in professionals only")

    @staticmethod
    def resolve_name(obj):
        return obj.full_name

    @staticmethod
    def resolve_email(obj, context):
        return obj.email if context["request"].auth.is_authenticated else None


class TenureOut(Schema):
    name: str
    starts_on: datetime.date
    ends_on: datetime.date | None

    @staticmethod
    def resolve_name(obj):
        return obj.professional.full_name


class PostOut(VerifiableOut):
    id: UUID
    organisation: str = Field(..., description="Key of the organisation")
    kind: str = Field(..., description="Key of the kind of post")
    title: str
    translations: dict[str, Translations]
    capacity: str
    area: str
    email: str
    phone: str
    legal_role: str
    clearance: str | None = Field(None, description="Only for those who manage the post")
    clearance_expires_on: datetime.date | None = None
    is_public: bool
    holder: HolderOut | None

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.key

    @staticmethod
    def resolve_kind(obj):
        return obj.kind.key

    @staticmethod
    def resolve_title(obj):
        return obj.display_title

    @staticmethod
    def resolve_translations(obj):
        return {"title": obj.title}

    @staticmethod
    def resolve_clearance(obj, context):
        return obj.clearance if access.can_see_clearance(context["request"].auth, obj) else None

    @staticmethod
    def resolve_clearance_expires_on(obj, context):
        shown = access.can_see_clearance(context["request"].auth, obj)
        return obj.clearance_expires_on if shown else None


class PostDetailOut(PostOut):
    holders: list[TenureOut] = Field(
        ..., description="Everyone who held the post, newest first (signed-in users only)"
    )

    @staticmethod
    def resolve_holders(obj, context):
        if not context["request"].auth.is_authenticated:
            return []
        return list(obj.tenures.select_related("professional"))


class PostFilter(DirectoryFilter):
    organisation: str | None = Field(None, description="Key of the organisation")
    kind: str | None = Field(None, description="Key of the kind of post")
    vacant: bool | None = Field(None, description="Only vacant (true) or held (false) posts")


class PostIn(Schema):
    kind: str | None = Field(None, description="Key of the kind of post")
    title: Translations | None = None
    capacity: str | None = None
    area: str | None = None
    email: str | None = None
    phone: str | None = None
    legal_role: str | None = None
    clearance: str | None = None
    clearance_expires_on: datetime.date | None = None
    is_public: bool | None = None


class AppointIn(Schema):
    email: str
    full_name: str = Field("", description="Needed for someone not in the directory yet")
    phone: str = ""
    starts_on: datetime.date


class VacateIn(Schema):
    ends_on: datetime.date


class PostKindOut(Schema):
    key: str
    name: str
    category: str
    translations: dict[str, Translations]

    @staticmethod
    def resolve_name(obj):
        return str(obj)

    @staticmethod
    def resolve_translations(obj):
        return {"name": obj.name}


class RuleOut(Schema):
    id: int
    name: str
    translations: dict[str, Translations]
    reference: str
    owner: str = Field(..., description="Key of the organisation that owns the rule")
    scope_level: str
    scope_sector: str
    scope_parent: str | None = Field(None, description="Key of the parent organisation")
    scope_measure: str | None = Field(None, description="plan-slug/code of the measure")
    kind: str
    minimum_total: int
    minimum_effective: int
    minimum_acting: int
    is_active: bool
    evaluated_at: datetime.datetime | None

    @staticmethod
    def resolve_name(obj):
        return str(obj)

    @staticmethod
    def resolve_translations(obj):
        return {"name": obj.name}

    @staticmethod
    def resolve_owner(obj):
        return obj.owner.key

    @staticmethod
    def resolve_scope_parent(obj):
        return obj.scope_parent.key if obj.scope_parent else None

    @staticmethod
    def resolve_scope_measure(obj):
        item = obj.scope_measure
        return f"{item.plan.slug}/{item.code}" if item else None

    @staticmethod
    def resolve_kind(obj):
        return obj.kind.key


class RuleIn(Schema):
    name: Translations | None = None
    reference: str | None = None
    scope_level: str | None = None
    scope_sector: str | None = None
    scope_parent: str | None = Field(None, description="Key of the parent organisation")
    scope_plan: str | None = Field(None, description="Slug of the plan of scope_measure")
    scope_measure: str | None = Field(None, description="Code of a measure: its actors")
    kind: str | None = None
    minimum_total: int | None = None
    minimum_effective: int | None = None
    minimum_acting: int | None = None
    is_active: bool | None = None


class GapOut(Schema):
    id: int
    rule: int
    organisation: str = Field(..., description="Key of the organisation")
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None
    held_total: int
    held_effective: int
    held_acting: int

    @staticmethod
    def resolve_rule(obj):
        return obj.rule_id

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.key


class GapFilter(Schema):
    state: str | None = Field(None, description="open (default) or closed")
    rule: int | None = None
    q: str | None = Field(None, description="Text in the organisation's name")


# Protocols of cooperation -----------------------------------------------------------------


class SignatoryOut(Schema):
    id: int
    organisation: str = Field(..., description="Key of the organisation")
    signed_on: datetime.date
    signed_by: str
    commitments: dict[str, str] = Field(..., description="Text per area")

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.key

    @staticmethod
    def resolve_commitments(obj):
        return {c.area: c.text for c in obj.commitments.all()}


class ProtocolOut(Schema):
    key: str
    title: str
    translations: dict[str, Translations]
    coordinator: str
    presented_on: datetime.date | None
    areas: list[str]
    signatories: list[SignatoryOut]

    @staticmethod
    def resolve_title(obj):
        return str(obj)

    @staticmethod
    def resolve_translations(obj):
        return {"title": obj.title, "text": obj.text}

    @staticmethod
    def resolve_coordinator(obj):
        return obj.coordinator.key

    @staticmethod
    def resolve_areas(obj):
        return list(SynergyArea.values)

    @staticmethod
    def resolve_signatories(obj):
        return obj.signatories.select_related("organisation").prefetch_related("commitments")


class SignatoryIn(Schema):
    organisation: str
    signed_on: datetime.date
    signed_by: str


class AreaTexts(Schema):
    staff_information: str = ""
    public_communication: str = ""
    expertise: str = ""
    individual_situations: str = ""


class ReviewOut(Schema):
    organisation: str
    year: int
    texts: dict[str, str]
