"""Writes to the directory, each with its audit event in the same transaction."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from audit.services import record, save_changes
from core import i18n
from network import coverage
from network.models import (
    Commitment,
    CoverageRule,
    OpeningSlot,
    Organisation,
    Post,
    Professional,
    Protocol,
    Review,
    Service,
    Signatory,
    SynergyArea,
    Tenure,
)

# fields that decide which coverage rules apply to an organisation
SCOPE_FIELDS = {"level", "sector", "parent"}


def upsert_organisation(
    *, key: str, name: dict, abbreviation: str = "", level: str = "other", acting_user=None
) -> Organisation:
    """Create or update an organisation by key, with its audit event."""
    with transaction.atomic():
        org = Organisation.objects.filter(key=key).first()
        new_values = {
            "name": i18n.clean_translations(name),
            "abbreviation": abbreviation,
            "level": level,
        }
        if org is None:
            org = Organisation(key=key, **new_values)
            _create(org, new_values, "organisation.created", acting_user)
            _organisation_saved(org, None, acting_user)
            return org
        changes = _change(org, new_values, "organisation.updated", acting_user)
        _organisation_saved(org, changes, acting_user)
        return org


def update_organisation(org: Organisation, data: dict, *, acting_user) -> Organisation:
    """Save an editor's changes. Saving counts as a verification: the editor has just
    looked at every field."""
    with transaction.atomic():
        changes = _change(org, data, "organisation.updated", acting_user)
        _verify(org, "organisation.verified", acting_user)
        _organisation_saved(org, changes, acting_user)
    return org


def verify_organisation(org: Organisation, *, acting_user) -> Organisation:
    """The editor confirms the entry is still right, without changing it."""
    with transaction.atomic():
        _verify(org, "organisation.verified", acting_user)
    return org


def verify_service(service: Service, *, acting_user) -> Service:
    with transaction.atomic():
        _verify(service, "service.verified", acting_user)
    return service


def _create(entry, data: dict, action: str, acting_user, **extra_changes) -> None:
    """Save a new directory entry, its search text first, and record its creation."""
    entry.refresh_search_text()
    entry.save()
    changes = {field: [None, value] for field, value in data.items()}
    record(action, actor=acting_user, target=entry, changes={**changes, **extra_changes})


def _change(entry, data: dict, action: str, acting_user) -> dict:
    """Save the fields of an entry that differ (and its search text), with their audit."""
    return save_changes(
        entry, data, action=action, actor=acting_user, before_save=entry.refresh_search_text
    )


def _organisation_saved(org: Organisation, changes: dict | None, acting_user) -> None:
    """A new organisation (changes None), or one whose level, sector or parent changed, may
    fall under other coverage rules now."""
    if changes is None or changes.keys() & SCOPE_FIELDS:
        coverage.evaluate_organisation(org.pk, actor=acting_user)
    if changes and changes.keys() & POST_SEARCH_FIELDS:
        _refresh_post_search(org)


# the organisation's fields its posts are found by in the people search
POST_SEARCH_FIELDS = {"name", "abbreviation", "municipality"}


def _refresh_post_search(org: Organisation) -> None:
    """The posts of an organisation renamed or moved are found under its new name."""
    posts = list(org.posts.select_for_update(of=("self",)).select_related("kind", "holder"))
    for post in posts:
        post.organisation = org
        post.refresh_search_text()
    Post.objects.bulk_update(posts, ["search_text"], batch_size=500)


def _verify(entry: Organisation | Service | Post, action: str, acting_user) -> None:
    entry.verified_at = timezone.now()
    entry.verified_by = acting_user
    entry.save(update_fields=["verified_at", "verified_by"])
    record(action, actor=acting_user, target=entry)


def create_service(org: Organisation, data: dict, slots: list[dict], *, acting_user) -> Service:
    with transaction.atomic():
        service = Service(organisation=org, **data)
        _create(service, data, "service.created", acting_user, slots=[None, _slot_labels(slots)])
        _replace_slots(service, slots)
        _verify(service, "service.verified", acting_user)
    return service


def update_service(service: Service, data: dict, slots: list[dict], *, acting_user) -> Service:
    with transaction.atomic():
        _change(service, data, "service.updated", acting_user)
        stored = service.slots.values("weekday", "opens_at", "closes_at")
        before = _slot_labels([dict(slot) for slot in stored])
        after = _slot_labels(slots)
        if before != after:
            _replace_slots(service, slots)
            record(
                "service.hours_changed",
                actor=acting_user,
                target=service,
                changes={"slots": [before, after]},
            )
        _verify(service, "service.verified", acting_user)
    return service


def _replace_slots(service: Service, slots: list[dict]) -> None:
    service.slots.all().delete()
    OpeningSlot.objects.bulk_create(OpeningSlot(service=service, **slot) for slot in slots)


def _slot_labels(slots: list[dict]) -> list[str]:
    return [
        f"{s['weekday']} {s['opens_at']:%H:%M}-{s['closes_at']:%H:%M}"
        for s in sorted(slots, key=lambda s: ("MOTUWETHFRSASU".index(s["weekday"]), s["opens_at"]))
    ]


# Imports (network/imports.py checks the rows; these write them) ------------------------


def save_imported_organisation(
    org: Organisation | None, key: str, data: dict, *, acting_user
) -> tuple[Organisation, bool]:
    """Create (org None) or update one organisation of an import; True when anything
    changed. Not a verification: nobody has looked at the entry itself."""
    with transaction.atomic():
        if org is None:
            org = Organisation(key=key, **data)
            _create(org, data, "organisation.created", acting_user)
            _organisation_saved(org, None, acting_user)
            return org, True
        changes = _change(org, data, "organisation.updated", acting_user)
        _organisation_saved(org, changes, acting_user)
        return org, bool(changes)


def save_imported_service(
    org: Organisation, service: Service | None, data: dict, *, acting_user
) -> tuple[Service, bool]:
    """Create (service None) or update one service of an import, keeping its opening
    hours; True when anything changed. Not a verification."""
    with transaction.atomic():
        if service is None:
            service = Service(organisation=org, **data)
            _create(service, data, "service.created", acting_user)
            return service, True
        return service, bool(_change(service, data, "service.updated", acting_user))


def record_directory_import(kind: str, filename: str, counts: dict[str, int], *, acting_user):
    """The import as a whole: which file, how many entries it created, changed or left."""
    return record(
        "directory.imported",
        actor=acting_user,
        changes={
            "kind": [None, kind],
            "file": [None, filename],
            **{name: [None, count] for name, count in counts.items()},
        },
    )


# Posts and their holders -------------------------------------------------------------


def create_post(org: Organisation, data: dict, *, acting_user) -> Post:
    with transaction.atomic():
        post = Post(organisation=org, **data)
        _create(post, data, "post.created", acting_user)
        _verify(post, "post.verified", acting_user)
        coverage.evaluate_organisation(org.pk, kind_id=post.kind_id, actor=acting_user)
    return post


def update_post(post: Post, data: dict, *, acting_user) -> Post:
    with transaction.atomic():
        old_kind = post.kind_id
        _change(post, data, "post.updated", acting_user)
        _verify(post, "post.verified", acting_user)
        for kind_id in {old_kind, post.kind_id}:
            coverage.evaluate_organisation(post.organisation_id, kind_id=kind_id, actor=acting_user)
    return post


def verify_post(post: Post, *, acting_user) -> Post:
    with transaction.atomic():
        _verify(post, "post.verified", acting_user)
    return post


def find_or_add_professional(
    *, email: str, full_name: str = "", phone: str = "", acting_user
) -> Professional:
    """The professional with this e-mail (case does not matter), added when new."""
    found = Professional.objects.filter(email__iexact=email).first()
    if found is not None:
        return found
    from accounts.models import User

    person = Professional.objects.create(
        email=email.lower(),
        full_name=full_name.strip(),
        phone=phone,
        user=User.objects.filter(email__iexact=email).first(),
    )
    record(
        "professional.created",
        actor=acting_user,
        target=person,
        changes={"full_name": [None, person.full_name], "email": [None, person.email]},
    )
    return person


def link_account(user) -> Professional | None:
    """Link a new account to the professional with its e-mail, if one has no account yet:
    someone appointed before they had an account sits in their seats once they get one.
    Only an ordinary account of the organisation of every post the professional holds:
    the seats of a post (e.g. in an LIVC-R) never pass to an administrator's account or to
    an account of another organisation; the admin links those by hand."""
    if user.is_staff or user.is_superuser or user.organisation_id is None:
        return None
    with transaction.atomic():
        found = (
            Professional.objects.select_for_update()
            .filter(email__iexact=user.email, user__isnull=True)
            .first()
        )
        if found is None:
            return None
        posts = list(found.current_posts.values_list("uuid", "organisation_id"))
        if any(organisation != user.organisation_id for _uuid, organisation in posts):
            return None
        found.user = user
        found.save(update_fields=["user"])
        record(
            "professional.linked",
            target=found,
            changes={
                "user": [None, user.email],
                "posts": [None, sorted(str(uuid) for uuid, _org in posts)],
            },
        )
    return found


def appoint_person(
    post: Post, *, email: str, full_name: str, phone: str, starts_on, acting_user
) -> Tenure:
    """Appoint the professional with this e-mail, added to the directory when new, in one
    transaction (as the appointment forms of the pages and the API ask)."""
    with transaction.atomic():
        person = find_or_add_professional(
            email=email, full_name=full_name, phone=phone, acting_user=acting_user
        )
        return appoint(post, person, starts_on, acting_user=acting_user)


def _locked(post: Post) -> Post:
    """The post, locked for the rest of the transaction: one change of holder at a time."""
    return Post.objects.select_for_update().select_related("kind", "organisation").get(pk=post.pk)


def appoint(post: Post, person: Professional, starts_on, *, acting_user) -> Tenure:
    """`person` holds `post` from `starts_on`; the previous holder's tenure ends the day
    before (or that day, when they started the same day)."""
    with transaction.atomic():
        post = _locked(post)
        previous = post.holder
        current = post.tenures.filter(ends_on__isnull=True).first()
        if current is not None:
            current.ends_on = max(current.starts_on, starts_on - datetime.timedelta(days=1))
            current.save(update_fields=["ends_on"])
        tenure = Tenure.objects.create(
            post=post, professional=person, starts_on=starts_on, appointed_by=acting_user
        )
        post.holder = person
        post.refresh_search_text()
        post.save(update_fields=["holder", "search_text", "updated_at"])
        record(
            "post.appointed",
            actor=acting_user,
            target=post,
            changes={
                "holder": [previous.email if previous else None, person.email],
                "starts_on": [None, starts_on],
            },
        )
        _verify(post, "post.verified", acting_user)
        coverage.evaluate_organisation(
            post.organisation_id, kind_id=post.kind_id, actor=acting_user
        )
    return tenure


def vacate(post: Post, ends_on, *, acting_user) -> Post:
    """The holder leaves the post after `ends_on`; the post stays, vacant."""
    with transaction.atomic():
        post = _locked(post)
        current = post.tenures.filter(ends_on__isnull=True).select_related("professional").first()
        if current is None:
            return post
        current.ends_on = max(current.starts_on, ends_on)
        current.save(update_fields=["ends_on"])
        post.holder = None
        post.refresh_search_text()
        post.save(update_fields=["holder", "search_text", "updated_at"])
        record(
            "post.vacated",
            actor=acting_user,
            target=post,
            changes={"holder": [current.professional.email, None], "ends_on": [None, ends_on]},
        )
        coverage.evaluate_organisation(
            post.organisation_id, kind_id=post.kind_id, actor=acting_user
        )
    return post


# Coverage rules ------------------------------------------------------------------------


def save_rule(
    rule: CoverageRule | None, data: dict, *, owner: Organisation, acting_user
) -> CoverageRule:
    """Create or change a rule and evaluate it over its whole scope at once."""
    with transaction.atomic():
        if rule is None:
            rule = CoverageRule.objects.create(owner=owner, **data)
            record(
                "coverage_rule.created",
                actor=acting_user,
                target=rule,
                changes={field: [None, value] for field, value in data.items()},
            )
        else:
            changes = save_changes(rule, data, action="coverage_rule.updated", actor=acting_user)
            if not changes:
                return rule
        coverage.evaluate(rule, actor=acting_user)
    return rule


# Protocols of cooperation ------------------------------------------------------------------


def add_signatory(
    protocol: Protocol, org: Organisation, *, signed_on, signed_by: str, acting_user
) -> Signatory:
    with transaction.atomic():
        signatory = Signatory.objects.create(
            protocol=protocol, organisation=org, signed_on=signed_on, signed_by=signed_by
        )
        record(
            "protocol.signed",
            actor=acting_user,
            target=protocol,
            changes={
                "organisation": [None, org.key],
                "signed_on": [None, signed_on],
                "signed_by": [None, signed_by],
            },
        )
    return signatory


def save_commitments(signatory: Signatory, texts: dict[str, str], *, acting_user) -> dict:
    """Set the partner's commitment in each area (an empty text removes it)."""
    with transaction.atomic():
        stored = {c.area: c for c in signatory.commitments.all()}
        changes = _save_per_area(
            stored,
            texts,
            make=lambda area, text: Commitment(signatory=signatory, area=area, text=text),
        )
        if changes:
            record(
                "protocol.commitments_changed",
                actor=acting_user,
                target=signatory.protocol,
                changes={"organisation": [None, signatory.organisation.key], **changes},
            )
    return changes


def save_review(signatory: Signatory, year: int, texts: dict[str, str], *, acting_user) -> dict:
    """The partner's account of `year`, per area."""
    with transaction.atomic():
        stored = {r.area: r for r in signatory.reviews.filter(year=year)}
        changes = _save_per_area(
            stored,
            texts,
            make=lambda area, text: Review(
                signatory=signatory, year=year, area=area, text=text, written_by=acting_user
            ),
            author=acting_user,
        )
        if changes:
            record(
                "protocol.reviewed",
                actor=acting_user,
                target=signatory.protocol,
                changes={
                    "organisation": [None, signatory.organisation.key],
                    "year": [None, year],
                    **changes,
                },
            )
    return changes


def _save_per_area(stored: dict, texts: dict[str, str], *, make, author=None) -> dict:
    changes = {}
    for area in SynergyArea.values:
        new = (texts.get(area) or "").strip()
        row = stored.get(area)
        old = row.text if row else ""
        if new == old:
            continue
        changes[area] = [old or None, new or None]
        if row is None:
            make(area, new).save()
        elif not new:
            row.delete()
        else:
            row.text = new
            if author is not None:
                row.written_by = author
            row.save()
    return changes
