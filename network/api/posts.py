"""Posts and the people holding them (appointing, vacating), kinds of post, coverage rules
and the gaps they find."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Status
from ninja.decorators import decorate_view
from ninja.pagination import CursorPagination, paginate

from core.api import AUTHENTICATED, PUBLIC, require_write, session_auth, token_auth
from core.forms import raise_form_errors
from network import access, search, services
from network import cache as directory_cache
from network.api.common import _filter_form, _form_data, router
from network.api.schemas import (
    AppointIn,
    DirectoryFilter,
    GapFilter,
    GapOut,
    PostDetailOut,
    PostFilter,
    PostIn,
    PostKindOut,
    PostOut,
    RuleIn,
    RuleOut,
    VacateIn,
)
from network.forms import AppointForm, CoverageRuleForm, GapFilterForm, PostForm, VacateForm
from network.models import PostKind


@router.get("/posts", response=list[PostOut], auth=PUBLIC, summary="Posts and their holders")
@decorate_view(directory_cache.public_response)
@paginate(CursorPagination, ordering=("id",))
def list_posts(request, filters: Query[PostFilter]):
    base = {k: v for k, v in filters.dict().items() if k in DirectoryFilter.model_fields}
    found = search.directory(request.auth, _filter_form(DirectoryFilter(**base)), "people")
    if filters.organisation:
        found = found.filter(organisation__key=filters.organisation)
    if filters.kind:
        found = found.filter(kind__key=filters.kind)
    if filters.vacant is not None:
        found = found.filter(holder__isnull=filters.vacant)
    return found.order_by()


@router.get("/posts/{post_id}", response=PostDetailOut, auth=PUBLIC, summary="A post")
def get_post(request, post_id: UUID):
    return access.get_post_for_user(request.auth, post_id)


def _validated_post(initial: dict, payload: PostIn) -> dict:
    form = PostForm(_form_data(PostForm, initial, payload.dict(exclude_unset=True)))
    raise_form_errors(form)
    return form.post_data()


@router.post(
    "/organisations/{key}/posts",
    response={201: PostDetailOut},
    auth=AUTHENTICATED,
    summary="Add a post (the organisation's editors, network coordinators)",
)
def create_post(request, key: str, payload: PostIn):
    require_write(request)
    org = access.get_organisation_for_user(request.auth, key)
    access.require(access.can_manage_posts(request.auth, org))
    data = _validated_post({"capacity": "effective"}, payload)
    post = services.create_post(org, data, acting_user=request.auth)
    return Status(201, post)


def _managed_post(request, post_id: UUID):
    require_write(request)
    post = access.get_post_for_user(request.auth, post_id)
    access.require(access.can_manage_posts(request.auth, post.organisation))
    return post


@router.patch(
    "/posts/{post_id}",
    response=PostDetailOut,
    auth=AUTHENTICATED,
    summary="Change a post (the organisation's editors, network coordinators)",
)
def patch_post(request, post_id: UUID, payload: PostIn):
    post = _managed_post(request, post_id)
    data = _validated_post(PostForm.initial_from(post), payload)
    return services.update_post(post, data, acting_user=request.auth)


@router.post(
    "/posts/{post_id}/appoint",
    response=PostDetailOut,
    auth=AUTHENTICATED,
    summary="Appoint someone to a post; the previous holding ends the day before",
)
def appoint_to_post(request, post_id: UUID, payload: AppointIn):
    post = _managed_post(request, post_id)
    form = AppointForm(payload.dict(), post=post)
    raise_form_errors(form)
    services.appoint_person(post, **form.cleaned_data, acting_user=request.auth)
    return access.get_post_for_user(request.auth, post_id)


@router.post(
    "/posts/{post_id}/vacate",
    response=PostDetailOut,
    auth=AUTHENTICATED,
    summary="End the current holding; the post stays, vacant",
)
def vacate_post(request, post_id: UUID, payload: VacateIn):
    post = _managed_post(request, post_id)
    form = VacateForm(payload.dict())
    raise_form_errors(form)
    services.vacate(post, form.cleaned_data["ends_on"], acting_user=request.auth)
    return access.get_post_for_user(request.auth, post_id)


@router.post(
    "/posts/{post_id}/verify",
    response=PostDetailOut,
    auth=AUTHENTICATED,
    summary="Confirm a post's entry is up to date",
)
def verify_post(request, post_id: UUID):
    post = _managed_post(request, post_id)
    return services.verify_post(post, acting_user=request.auth)


@router.get("/post-kinds", response=list[PostKindOut], auth=PUBLIC, summary="Kinds of post")
def list_post_kinds(request):
    return PostKind.objects.all()


RULE_RELATED = ("owner", "kind", "scope_parent", "scope_measure__plan")


@router.get(
    "/coverage/rules",
    response=list[RuleOut],
    auth=AUTHENTICATED,
    summary="Coverage rules (network coordinators)",
)
def list_rules(request):
    return access.visible_rules(request.auth).select_related(*RULE_RELATED)


def _validated_rule(initial: dict, payload: RuleIn) -> dict:
    form = CoverageRuleForm(_form_data(CoverageRuleForm, initial, payload.dict(exclude_unset=True)))
    raise_form_errors(form)
    return form.rule_data()


RULE_DEFAULTS = {"minimum_total": 1, "minimum_effective": 0, "minimum_acting": 0, "is_active": True}


@router.post(
    "/coverage/rules",
    response={201: RuleOut},
    auth=AUTHENTICATED,
    summary="Define a coverage rule; it is checked against the directory at once",
)
def create_rule(request, payload: RuleIn):
    require_write(request)
    access.require(access.can_coordinate_network(request.auth))
    data = _validated_rule(RULE_DEFAULTS, payload)
    rule = services.save_rule(None, data, owner=request.auth.organisation, acting_user=request.auth)
    return Status(201, access.get_rule_for_user(request.auth, rule.pk))


@router.patch(
    "/coverage/rules/{rule_id}",
    response=RuleOut,
    auth=AUTHENTICATED,
    summary="Change a coverage rule (coordinators of the owner organisation)",
)
def patch_rule(request, rule_id: int, payload: RuleIn):
    require_write(request)
    rule = access.get_rule_for_user(request.auth, rule_id)
    access.require(access.can_edit_rule(request.auth, rule))
    data = _validated_rule(CoverageRuleForm.initial_from(rule), payload)
    services.save_rule(rule, data, owner=rule.owner, acting_user=request.auth)
    return access.get_rule_for_user(request.auth, rule_id)


# What GapOut shows of a gap (and the key of its organisation): nothing else is read.
GAP_FIELDS = (
    "rule",
    "organisation__key",
    "opened_at",
    "closed_at",
    "held_total",
    "held_effective",
    "held_acting",
)


def _coordinators(request: HttpRequest) -> str | None:
    """Every network coordinator gets the same gaps: one group for the cache, once the
    caller's token or session is checked (on a miss the operation checks it again)."""
    check = token_auth if request.headers.get("Authorization") else session_auth
    user = check(request)
    return "coordinators" if user and access.can_coordinate_network(user) else None


@router.get(
    "/coverage/gaps",
    response=list[GapOut],
    auth=AUTHENTICATED,
    summary="Open coverage gaps, or the history of closed ones (network coordinators)",
)
@decorate_view(directory_cache.shared_response(_coordinators))
@paginate(CursorPagination, ordering=("id",))
def list_gaps(request, filters: Query[GapFilter]):
    access.visible_rules(request.auth)
    form = GapFilterForm({k: v for k, v in filters.dict().items() if v is not None})
    raise_form_errors(form)
    found = search.gaps(request.auth, form, form.value("state") or "open")
    return found.select_related("organisation").only(*GAP_FIELDS).order_by()
