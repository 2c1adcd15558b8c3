"""Who sees and manages which platform: the public, members, outsiders, coordinators."""

from django.contrib.auth.models import AnonymousUser, Permission
from django.urls import reverse

from core.testing import make_user
from platforms import access
from platforms.models import Platform
from platforms.tests.base import PlatformCase


class PlatformPageTest(PlatformCase):
    def page(self, platform):
        return self.client.get(reverse("platforms:detail", args=[platform.key]))

    def test_the_public_sees_public_platforms_and_their_organisations_only(self):
        listing = self.client.get(reverse("platforms:list"))
        self.assertContains(listing, "Flemish platform")
        self.assertNotContains(listing, "LIVC-R of A")
        page = self.page(self.public)
        self.assertContains(page, "Agency A")
        self.assertNotContains(page, "Cell member")  # B's seat
        self.assertNotContains(page, "Upcoming meetings")

    def test_the_public_gets_a_404_for_a_platform_that_is_not_public(self):
        self.assertEqual(self.page(self.livc).status_code, 404)
        url = reverse("platforms:meeting", args=[self.held.uuid])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_a_member_sees_seats_meetings_and_open_actions(self):
        self.login(self.reader)
        page = self.page(self.livc)
        self.assertContains(page, "Rita Referent")
        self.assertContains(page, "Quarterly meeting")
        self.assertContains(page, "Working arrangements")
        self.assertContains(page, "Send the charter round")
        self.assertNotContains(page, "Edit the platform")
        meeting = self.client.get(reverse("platforms:meeting", args=[self.held.uuid]))
        self.assertContains(meeting, "We meet every quarter.")
        self.assertContains(meeting, "We read the charter again.")

    def test_a_vacant_seat_is_shown_as_vacant_to_members(self):
        self.login(self.reader)
        self.assertContains(self.page(self.public), "vacant")

    def test_a_former_member_no_longer_sees_a_platform_that_is_not_public(self):
        self.login(self.contact_b)
        self.assertEqual(self.page(self.livc).status_code, 404)
        url = reverse("platforms:meeting", args=[self.upcoming.uuid])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertNotContains(self.client.get(reverse("platforms:list")), "LIVC-R of A")

    def test_a_member_who_may_not_manage_gets_a_403(self):
        self.login(self.editor_a)
        for name in ("platforms:edit", "platforms:member_add", "platforms:meeting_create"):
            with self.subTest(name=name):
                response = self.client.get(reverse(name, args=[self.livc.key]))
                self.assertEqual(response.status_code, 403)
        response = self.client.post(
            reverse("platforms:minutes", args=[self.upcoming.uuid]),
            {"status": "held", "minutes": "Changed", "approved": "on"},
        )
        self.assertEqual(response.status_code, 403)
        self.upcoming.refresh_from_db()
        self.assertEqual(self.upcoming.minutes, "")

    def test_a_network_coordinator_sees_and_manages_every_platform(self):
        self.login(self.coordinator_b)
        page = self.page(self.livc)
        self.assertContains(page, "Rita Referent")
        self.assertContains(page, "Edit the platform")
        response = self.client.get(reverse("platforms:edit", args=[self.livc.key]))
        self.assertEqual(response.status_code, 200)


class ManagingRuleTest(PlatformCase):
    """can_manage_platform, branch by branch."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        plans_only = Permission.objects.get(codename="coordinate_plans")
        cls.plans_a = make_user("plans@a.test", cls.org_a)
        cls.plans_a.user_permissions.add(plans_only)
        cls.plans_b = make_user("plans@b.test", cls.org_b)
        cls.plans_b.user_permissions.add(plans_only)

    def user(self, user):
        return type(user).objects.get(pk=user.pk)  # fresh permission cache

    def test_anonymous_visitors_manage_nothing(self):
        self.assertFalse(access.can_manage_platform(AnonymousUser(), self.livc))

    def test_network_coordinators_manage_every_platform(self):
        self.assertTrue(access.can_manage_platform(self.coordinator_b, self.livc))

    def test_a_plan_coordinator_of_the_coordinating_organisation_manages_it(self):
        self.assertTrue(access.can_manage_platform(self.user(self.plans_a), self.livc))

    def test_a_plan_coordinator_of_another_organisation_does_not(self):
        self.assertFalse(access.can_manage_platform(self.user(self.plans_b), self.public))

    def test_a_user_of_the_coordinating_organisation_without_the_capability_does_not(self):
        self.assertFalse(access.can_manage_platform(self.reader, self.livc))

    def test_a_plan_coordinator_creates_platforms_for_their_own_organisation_only(self):
        self.login(self.plans_b)
        response = self.client.post(
            reverse("platforms:create"),
            {"key": "b-platform", "kind": "other", "coordinator": "agency-a", "name_en": "B"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Platform.objects.filter(key="b-platform").exists())
        response = self.client.post(
            reverse("platforms:create"),
            {"key": "b-platform", "kind": "other", "coordinator": "agency-b", "name_en": "B"},
        )
        self.assertRedirects(response, reverse("platforms:detail", args=["b-platform"]))
