"""Posts held by people over time: who sees them, appointing and relieving holders with
their history and audit trail, people in the directory search."""

import datetime

from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.testing import Personas, make_post
from network.models import Post, PostKind, Professional, Tenure


def today():
    return timezone.localdate()


class PostPageTest(Personas):
    def url(self, post, name="network:post"):
        return reverse(name, args=[post.uuid])

    def test_the_public_sees_a_public_post_and_its_holder_but_no_email(self):
        page = self.client.get(self.url(self.post_a))
        self.assertContains(page, "Rita Referent")
        self.assertNotContains(page, "rita@a.test")
        self.assertNotContains(page, "Holders over time")

    def test_a_post_not_listed_publicly_is_hidden_from_the_public(self):
        self.assertEqual(self.client.get(self.url(self.private_post_b)).status_code, 404)

    def test_professionals_see_every_post_and_the_history(self):
        self.login(self.reader)
        page = self.client.get(self.url(self.private_post_b))
        self.assertContains(page, "This post is vacant.")
        page = self.client.get(self.url(self.post_a))
        self.assertContains(page, "rita@a.test")
        self.assertContains(page, "Holders over time")

    def test_a_clearance_is_shown_only_to_those_who_manage_the_post(self):
        self.login(self.reader)
        self.assertNotContains(self.client.get(self.url(self.private_post_b)), "Secret")
        self.login(self.editor_a)  # an editor of another organisation
        self.assertNotContains(self.client.get(self.url(self.private_post_b)), "Secret")
        self.login(self.coordinator)  # network coordinator
        self.assertContains(self.client.get(self.url(self.private_post_b)), "Secret")

    def test_the_organisation_page_lists_its_posts(self):
        page = self.client.get(reverse("network:organisation", args=["agency-a"]))
        self.assertContains(page, "Rita Referent")
        self.assertNotContains(page, "Add a post")
        self.login(self.editor_a)
        page = self.client.get(reverse("network:organisation", args=["agency-a"]))
        self.assertContains(page, "Add a post")


class AppointTest(Personas):
    def appoint(self, post, **data):
        url = reverse("network:post_appoint", args=[post.uuid])
        return self.client.post(url, {"starts_on": today().isoformat(), **data})

    def test_an_editor_appoints_a_new_holder_and_the_history_is_kept(self):
        self.login(self.editor_a)
        response = self.appoint(self.post_a, email="Nina@A.test", full_name="Nina Nieuw")
        self.assertRedirects(response, reverse("network:post", args=[self.post_a.uuid]))
        self.post_a.refresh_from_db()
        self.assertEqual(self.post_a.holder.full_name, "Nina Nieuw")
        self.assertEqual(self.post_a.holder.email, "nina@a.test")
        rita = Tenure.objects.get(post=self.post_a, professional=self.holder)
        self.assertEqual(rita.ends_on, today() - datetime.timedelta(days=1))
        self.assertEqual(self.post_a.tenures.filter(ends_on__isnull=True).count(), 1)
        event = AuditEvent.objects.get(action="post.appointed")
        self.assertEqual(event.actor, self.editor_a)
        self.assertEqual(event.changes["holder"], ["rita@a.test", "nina@a.test"])
        self.assertIn("nina nieuw", Post.objects.get(pk=self.post_a.pk).search_text)
        page = self.client.get(reverse("network:post", args=[self.post_a.uuid]))
        self.assertContains(page, "Rita Referent")  # in the history
        self.assertContains(page, "Nina Nieuw")

    def test_a_known_person_is_found_by_email_without_a_name(self):
        known = Professional.objects.create(full_name="Omar Bekend", email="omar@b.test")
        self.login(self.editor_a)
        self.appoint(self.post_a, email="OMAR@b.test")
        self.post_a.refresh_from_db()
        self.assertEqual(self.post_a.holder, known)
        self.assertEqual(Professional.objects.count(), 2)

    def test_bad_input_is_explained_and_changes_nothing(self):
        self.login(self.editor_a)
        tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
        cases = [
            ({"email": "new@a.test"}, "give their full name"),
            ({"email": "rita@a.test"}, "already holds the post"),
            ({"email": "x@a.test", "full_name": "X", "starts_on": tomorrow}, "in the future"),
            ({"email": "not an email", "full_name": "X"}, "valid email"),
        ]
        for data, message in cases:
            with self.subTest(message):
                response = self.appoint(self.post_a, **data)
                self.assertContains(response, message, status_code=200)
        self.post_a.refresh_from_db()
        self.assertEqual(self.post_a.holder, self.holder)
        self.assertFalse(AuditEvent.objects.filter(action="post.appointed").exists())

    def test_relieving_the_holder_leaves_the_post_vacant(self):
        self.login(self.editor_a)
        url = reverse("network:post_vacate", args=[self.post_a.uuid])
        self.assertContains(self.client.get(url), "Rita Referent")
        self.client.post(url, {"ends_on": today().isoformat()})
        self.post_a.refresh_from_db()
        self.assertIsNone(self.post_a.holder)
        self.assertEqual(Tenure.objects.get(post=self.post_a).ends_on, today())
        self.assertEqual(
            AuditEvent.objects.get(action="post.vacated").changes["holder"][0], "rita@a.test"
        )

    def test_who_may_appoint(self):
        url = reverse("network:post_appoint", args=[self.post_a.uuid])
        self.assertEqual(self.client.get(url).status_code, 302)  # to the login
        for user, status in [
            (self.reader, 403),
            (self.contact_a, 403),
            (self.editor_a, 200),
            (self.coordinator_b, 200),  # network coordinators appoint anywhere
        ]:
            self.login(user)
            self.assertEqual(self.client.get(url).status_code, status, user)
        self.login(self.editor_a)
        other = reverse("network:post_appoint", args=[self.private_post_b.uuid])
        self.assertEqual(self.client.get(other).status_code, 403)


class AccountLinkTest(Personas):
    def test_a_new_account_is_linked_to_the_professional_with_its_email(self):
        from core.testing import make_user

        self.assertIsNone(self.holder.user)
        user = make_user("RITA@a.test", self.org_a)
        self.holder.refresh_from_db()
        self.assertEqual(self.holder.user, user)
        event = AuditEvent.objects.get(action="professional.linked")
        self.assertEqual(event.target_id, str(self.holder.pk))
        self.assertEqual(
            event.changes, {"user": [None, "rita@a.test"], "posts": [None, [str(self.post_a.uuid)]]}
        )

    def test_an_account_of_another_organisation_or_an_administrator_is_not_linked(self):
        from core.testing import make_user

        self.assertEqual(self.post_a.organisation, self.org_a)
        make_user("rita@a.test", self.org_b)
        self.holder.refresh_from_db()
        self.assertIsNone(self.holder.user)
        self.holder.email = "rita.admin@a.test"
        self.holder.save()
        from accounts.models import User

        User.objects.create_superuser(
            email="rita.admin@a.test", password="x", organisation=self.org_a
        )
        self.holder.refresh_from_db()
        self.assertIsNone(self.holder.user)
        self.assertFalse(AuditEvent.objects.filter(action="professional.linked").exists())

    def test_a_linked_professional_keeps_their_account(self):
        from core.testing import make_user

        first = make_user("other@a.test", self.org_a)
        self.holder.user = first
        self.holder.save()
        Professional.objects.create(full_name="Someone", email="someone@a.test")
        make_user("unknown@a.test", self.org_a)
        self.holder.refresh_from_db()
        self.assertEqual(self.holder.user, first)
        self.assertFalse(AuditEvent.objects.filter(action="professional.linked").exists())


class PostFormTest(Personas):
    def test_an_editor_adds_a_post_then_appoints_its_holder(self):
        self.login(self.editor_a)
        response = self.client.post(
            reverse("network:post_create", args=["agency-a"]),
            {"kind": "reference-person", "capacity": "acting", "title_fr": "Référent suppléant"},
        )
        post = Post.objects.get(capacity="acting")
        self.assertRedirects(response, reverse("network:post_appoint", args=[post.uuid]))
        self.assertEqual(post.organisation, self.org_a)
        self.assertEqual(post.verified_by, self.editor_a)
        self.assertTrue(
            AuditEvent.objects.filter(action="post.created", target_id=post.pk).exists()
        )

    def test_an_livc_member_needs_a_legal_role(self):
        PostKind.objects.create(key="livc", name={"en": "LIVC-R member"}, category="livc_member")
        self.login(self.editor_a)
        url = reverse("network:post_create", args=["agency-a"])
        response = self.client.post(url, {"kind": "livc", "capacity": "effective"})
        self.assertContains(response, "Give the legal role")
        response = self.client.post(
            url, {"kind": "nope", "capacity": "effective", "clearance_expires_on": "2030-01-01"}
        )
        self.assertContains(response, "Select a valid choice")
        self.assertEqual(Post.objects.count(), 2)

    def test_editing_a_post_is_audited(self):
        self.login(self.coordinator)
        url = reverse("network:post_edit", args=[self.post_a.uuid])
        self.assertEqual(self.client.get(url).status_code, 200)
        self.client.post(
            url,
            {
                "kind": "reference-person",
                "capacity": "effective",
                "area": "Liège",
                "is_public": "on",
            },
        )
        event = AuditEvent.objects.get(action="post.updated")
        self.assertEqual(event.changes["area"], ["Namur", "Liège"])


class PeopleSearchTest(Personas):
    url = "/directory/"

    def test_people_are_found_by_name_post_and_organisation(self):
        page = self.client.get(self.url, {"kind": "people", "q": "rita"})
        self.assertContains(page, "Rita Referent")
        self.assertContains(page, "1 post found")
        page = self.client.get(self.url, {"kind": "people", "q": "agency a"})
        self.assertContains(page, "Rita Referent")

    def test_a_renamed_organisation_finds_its_people_under_the_new_name(self):
        from network import services

        services.update_organisation(
            self.org_a, {"abbreviation": "ZORRO"}, acting_user=self.editor_a
        )
        page = self.client.get(self.url, {"kind": "people", "q": "zorro"})
        self.assertContains(page, "Rita Referent")
        self.post_a.refresh_from_db()
        self.assertIn("zorro", self.post_a.search_text)

    def test_the_public_sees_public_posts_only(self):
        self.assertNotContains(self.client.get(self.url, {"kind": "people"}), "Cell member")
        self.login(self.reader)
        page = self.client.get(self.url, {"kind": "people"})
        self.assertContains(page, "Cell member")
        self.assertContains(page, "Vacant post")

    def test_it_filters_by_municipality(self):
        self.assertContains(
            self.client.get(self.url, {"kind": "people", "municipality": "namur"}), "Rita Referent"
        )
        self.assertNotContains(
            self.client.get(self.url, {"kind": "people", "municipality": "gent"}), "Rita Referent"
        )

    def test_the_list_runs_a_constant_number_of_queries(self):
        self.client.get(self.url, {"kind": "people"})
        with self.assertNumQueries(2):
            self.client.get(self.url, {"kind": "people"})
        for n in range(20):
            person = Professional.objects.create(full_name=f"P {n}", email=f"p{n}@a.test")
            make_post(self.org_a, self.kind, person, is_public=True)
        with self.assertNumQueries(2):
            self.client.get(self.url, {"kind": "people"})
