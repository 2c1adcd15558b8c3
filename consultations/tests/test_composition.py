"""A cell's composition as the law sets it, for one municipality or several jointly: what is
missing is told to those who prepare its meetings, on the pages and in the API."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from consultations import composition
from consultations.tests import test_api
from consultations.tests.base import ConsultationPersonas, seat_post
from core.testing import make_org, make_post, make_user
from network.models import PostKind, Professional
from platforms.models import Membership


class CompositionTest(ConsultationPersonas):
    def seat(self, post, role="member"):
        return Membership.objects.create(
            platform=self.cell,
            organisation=post.organisation,
            post=post,
            role=role,
            starts_on=datetime.date(2020, 1, 1),
        )

    def make_joint(self, *others: str) -> None:
        self.city.municipality = "Namur"
        self.city.save()
        self.cell.joint_municipalities = list(others)
        self.cell.save()

    def test_a_complete_cell_lacks_nothing(self):
        self.assertEqual(composition.gaps(self.cell), [])

    def test_it_names_each_missing_member_by_law(self):
        Membership.objects.filter(platform=self.cell).delete()
        self.assertEqual(
            composition.gaps(self.cell),
            [
                "No mayor or representative sits in the cell.",
                "No chief of the local police or representative sits in the cell.",
                "No prevention officer sits in the cell.",
            ],
        )

    def test_a_vacant_post_leaves_its_seat_empty(self):
        self.prevention_post.holder = None
        self.prevention_post.save()
        self.assertEqual(composition.gaps(self.cell), ["No prevention officer sits in the cell."])

    def test_a_police_member_needs_a_valid_secret_clearance(self):
        today = timezone.localdate()
        self.police_post.clearance_expires_on = today - datetime.timedelta(days=1)
        self.police_post.save()
        self.assertIn("has no valid security clearance", composition.gaps(self.cell)[0])
        self.police_post.clearance = "confidential"
        self.police_post.clearance_expires_on = None
        self.police_post.save()
        self.assertIn("has no valid security clearance", composition.gaps(self.cell)[0])

    def test_a_clearance_about_to_end_is_announced(self):
        ends = timezone.localdate() + datetime.timedelta(days=20)
        self.police_post.clearance_expires_on = ends
        self.police_post.save()
        [notice] = composition.gaps(self.cell)
        self.assertIn("security clearance ends within 60 days", notice)
        self.police_post.clearance_expires_on = ends + datetime.timedelta(days=60)
        self.police_post.save()
        self.assertEqual(composition.gaps(self.cell), [])

    def test_a_holder_without_an_account_is_named(self):
        livc = PostKind.objects.get(key="livc-member")
        holder = Professional.objects.create(full_name="Nora Nouvelle", email="nora@city.test")
        self.seat(make_post(self.city, livc, holder, legal_role="mayor"))
        message = (
            "Nora Nouvelle holds a seat but has no active account: an administrator must create "
            "or enable it."
        )
        self.assertEqual(composition.gaps(self.cell), [message])
        nora = make_user("nora@city.test", self.city, Role.LIVC_MEMBER, mfa=True)
        holder.refresh_from_db()
        self.assertEqual(holder.user, nora)  # linked when the account was made
        self.assertEqual(composition.gaps(self.cell), [])
        nora.is_active = False
        nora.save()
        self.assertEqual(composition.gaps(self.cell), [message])

    def test_a_joint_cell_needs_a_mayor_of_each_municipality(self):
        self.make_joint("Floreffe", "Profondeville")
        self.assertEqual(
            composition.gaps(self.cell),
            [
                "No mayor or representative of Floreffe sits in the cell.",
                "No mayor or representative of Profondeville sits in the cell.",
            ],
        )
        floreffe = make_org("floreffe", "Commune de Floreffe")
        floreffe.municipality = "FLOREFFE "
        floreffe.save()
        livc = PostKind.objects.get(key="livc-member")
        mayor = make_user("mayor@floreffe.test", floreffe, Role.LIVC_MEMBER, mfa=True)
        self.seat(seat_post(floreffe, livc, mayor, "mayor"))
        self.assertEqual(
            composition.gaps(self.cell),
            ["No mayor or representative of Profondeville sits in the cell."],
        )

    def test_it_reads_every_cell_in_one_query(self):
        cells = [self.cell, self.other_cell]
        with self.assertNumQueries(1):
            found = composition.gaps_by_cell(cells)
        self.assertEqual(found[self.cell.pk], [])
        self.assertEqual(  # Liège's cell has only its police member
            found[self.other_cell.pk],
            [
                "No mayor or representative sits in the cell.",
                "No prevention officer sits in the cell.",
            ],
        )

    def test_the_pages_tell_those_who_prepare(self):
        self.make_joint("Floreffe")
        self.client.force_login(self.prevention)
        for url in (
            reverse("consultations:list"),
            reverse("consultations:schedule", args=[self.cell.key]),
        ):
            with self.subTest(url=url):
                page = self.client.get(url)
                self.assertContains(page, "does not sit as the law composes it")
                self.assertContains(page, "No mayor or representative of Floreffe")
        page = self.client.get(reverse("consultations:list"))
        self.assertContains(page, "jointly for Namur, Floreffe")

    def test_the_other_members_are_not_told(self):
        self.make_joint("Floreffe")
        self.police_post.clearance_expires_on = timezone.localdate() + datetime.timedelta(days=5)
        self.police_post.save()
        self.client.force_login(self.police)
        page = self.client.get(reverse("consultations:list"))
        self.assertContains(page, "jointly for Namur, Floreffe")
        self.assertNotContains(page, "does not sit as the law composes it")
        self.assertNotContains(page, "clearance")


class CompositionApiTest(test_api.ApiCase):
    def test_the_cells_list_gives_the_municipalities_and_the_gaps(self):
        self.cell.joint_municipalities = ["Floreffe"]
        self.cell.save()
        [cell] = self.call("get", f"{test_api.API}/cells", user=self.prevention).json()
        self.assertEqual(cell["municipalities"], ["Namur", "Floreffe"])
        self.assertEqual(
            cell["composition_gaps"],
            [
                "No mayor or representative of Namur sits in the cell.",
                "No mayor or representative of Floreffe sits in the cell.",
            ],
        )
        [cell] = self.call("get", f"{test_api.API}/cells", user=self.police).json()
        self.assertEqual(cell["composition_gaps"], [])
