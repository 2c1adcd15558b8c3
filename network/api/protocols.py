"""Protocols of cooperation: their signatories, each partner's commitments and yearly
reviews."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Status

from core.api import AUTHENTICATED, PUBLIC, require_write
from core.forms import raise_form_errors
from network import access, services
from network.api.common import router
from network.api.schemas import AreaTexts, ProtocolOut, ReviewOut, SignatoryIn, SignatoryOut
from network.forms import AreaTextsForm, SignatoryForm


@router.get(
    "/protocols", response=list[ProtocolOut], auth=PUBLIC, summary="Protocols of cooperation"
)
def list_protocols(request):
    return access.visible_protocols(request.auth).select_related("coordinator")


@router.get("/protocols/{key}", response=ProtocolOut, auth=PUBLIC, summary="A protocol")
def get_protocol(request, key: str):
    return access.get_protocol_for_user(request.auth, key)


@router.post(
    "/protocols/{key}/signatories",
    response={201: SignatoryOut},
    auth=AUTHENTICATED,
    summary="Record a signature (network coordinators of the coordinating organisation)",
)
def add_signatory(request, key: str, payload: SignatoryIn):
    require_write(request)
    protocol = access.get_protocol_for_user(request.auth, key)
    access.require(access.can_manage_protocol(request.auth, protocol))
    form = SignatoryForm(payload.dict(), protocol=protocol)
    raise_form_errors(form)
    data = form.cleaned_data
    signatory = services.add_signatory(
        protocol,
        data["organisation"],
        signed_on=data["signed_on"],
        signed_by=data["signed_by"],
        acting_user=request.auth,
    )
    return Status(201, signatory)


def _writable_signatory(request, key: str, organisation: str):
    require_write(request)
    protocol = access.get_protocol_for_user(request.auth, key)
    signatory = access.get_signatory_for_user(
        request.auth, protocol, organisation__key=organisation
    )
    access.require(access.can_write_for_signatory(request.auth, signatory))
    return signatory


def _area_texts(payload: AreaTexts) -> dict[str, str]:
    form = AreaTextsForm(payload.dict())
    raise_form_errors(form)
    return form.texts()


@router.put(
    "/protocols/{key}/signatories/{organisation}/commitments",
    response=SignatoryOut,
    auth=AUTHENTICATED,
    summary="Replace a partner's commitments (its editors; an empty text removes one)",
)
def put_commitments(request, key: str, organisation: str, payload: AreaTexts):
    signatory = _writable_signatory(request, key, organisation)
    services.save_commitments(signatory, _area_texts(payload), acting_user=request.auth)
    return signatory


@router.get(
    "/protocols/{key}/reviews/{year}",
    response=list[ReviewOut],
    auth=AUTHENTICATED,
    summary="Every partner's review of a year (signed-in professionals)",
)
def list_reviews(request, key: str, year: int):
    protocol = access.get_protocol_for_user(request.auth, key)
    access.require(access.can_see_reviews(request.auth))
    texts: dict[str, dict[str, str]] = {}
    rows = access.visible_reviews(request.auth, protocol).filter(year=year)
    rows = rows.select_related("signatory__organisation")
    for review in rows:
        texts.setdefault(review.signatory.organisation.key, {})[review.area] = review.text
    return [{"organisation": org, "year": year, "texts": t} for org, t in sorted(texts.items())]


@router.put(
    "/protocols/{key}/signatories/{organisation}/reviews/{year}",
    response=ReviewOut,
    auth=AUTHENTICATED,
    summary="Write a partner's review of a year (its editors)",
)
def put_review(request, key: str, organisation: str, year: int, payload: AreaTexts):
    signatory = _writable_signatory(request, key, organisation)
    if not 2000 <= year <= timezone.localdate().year:
        raise ValidationError({"year": [_("Give a year from 2000 until this year.")]})
    services.save_review(signatory, year, _area_texts(payload), acting_user=request.auth)
    stored = {r.area: r.text for r in signatory.reviews.filter(year=year)}
    return {"organisation": organisation, "year": year, "texts": stored}
