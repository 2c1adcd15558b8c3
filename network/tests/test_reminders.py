"""Freshness reminders: one digest per directory editor of an organisation with stale
entries, in the editor's language, at most once every NETWORK_REMIND_EVERY_DAYS days."""

import datetime

import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from audit.models import AuditEvent
from core.testing import Personas, make_post, make_service, make_user
from network.models import Organisation, Post, Service
from network.reminders import send_verification_reminders
from network.tasks import send_verification_reminders as send_verification_reminders_task


def days_later(days: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


@override_settings(SITE_URL="https://synergie.example", NETWORK_REMIND_EVERY_DAYS=30)
class VerificationReminderTest(Personas):
    def setUp(self):
        # the posts of the personas are fresh; test_it_lists_a_stale_post checks posts
        Post.objects.update(verified_at=timezone.now())

    def test_it_lists_a_stale_post(self):
        Post.objects.filter(pk=self.post_a.pk).update(verified_at=None)
        send_verification_reminders()
        self.assertIn(f"/directory/posts/{self.post_a.uuid}/", mail.outbox[0].body)
        self.assertNotIn(f"/directory/posts/{self.private_post_b.uuid}/", mail.outbox[0].body)

    def test_it_mails_one_digest_listing_the_stale_entries_to_the_editor(self):
        sent = send_verification_reminders()
        self.assertEqual(sent, 1)  # agency B has no editor
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["editor@a.test"])
        self.assertIn("Agency A", message.subject)
        self.assertIn("Listening line", message.body)
        self.assertIn("https://synergie.example/directory/organisations/agency-a/", message.body)
        self.assertIn(
            f"https://synergie.example/directory/services/{self.service_a.uuid}/", message.body
        )
        self.assertNotIn("Counselling address", message.body)

    def test_it_does_not_escape_the_plain_text_mail(self):
        Service.objects.filter(pk=self.service_a.pk).update(name={"en": "Parents & youth"})
        self.org_a.name = {"en": "Agency A & co"}
        self.org_a.save()
        send_verification_reminders()
        self.assertIn("Agency A & co", mail.outbox[0].subject)
        self.assertIn("Parents & youth", mail.outbox[0].body)

    def test_it_lists_only_the_stale_entries(self):
        Organisation.objects.filter(pk=self.org_a.pk).update(verified_at=timezone.now())
        send_verification_reminders()
        self.assertNotIn("/directory/organisations/agency-a/", mail.outbox[0].body)
        self.assertIn(f"/directory/services/{self.service_a.uuid}/", mail.outbox[0].body)

    def test_it_sends_nothing_when_the_entries_are_fresh(self):
        Organisation.objects.filter(pk=self.org_a.pk).update(verified_at=days_later(-364))
        Service.objects.filter(pk=self.service_a.pk).update(verified_at=timezone.now())
        self.assertEqual(send_verification_reminders(), 0)
        self.assertEqual(mail.outbox, [])

    def test_it_counts_an_entry_verified_too_long_ago_as_stale(self):
        Organisation.objects.filter(pk=self.org_a.pk).update(verified_at=days_later(-367))
        Service.objects.filter(pk=self.service_a.pk).update(verified_at=timezone.now())
        self.assertEqual(send_verification_reminders(), 1)
        self.assertIn("/directory/organisations/agency-a/", mail.outbox[0].body)

    @override_settings(NETWORK_VERIFY_AFTER_DAYS=500)
    def test_it_follows_the_configured_freshness(self):
        Organisation.objects.filter(pk=self.org_a.pk).update(verified_at=days_later(-367))
        Service.objects.filter(pk=self.service_a.pk).update(verified_at=timezone.now())
        self.assertEqual(send_verification_reminders(), 0)

    def test_it_does_not_remind_the_same_organisation_twice_within_the_period(self):
        send_verification_reminders()
        with time_machine.travel(days_later(6)):
            self.assertEqual(send_verification_reminders(), 0)
        with time_machine.travel(days_later(29)):
            self.assertEqual(send_verification_reminders(), 0)
        self.assertEqual(len(mail.outbox), 1)

    def test_it_reminds_again_after_the_period(self):
        send_verification_reminders()
        with time_machine.travel(days_later(30)):
            self.assertEqual(send_verification_reminders(), 1)
        self.assertEqual(len(mail.outbox), 2)

    def test_it_follows_the_configured_period(self):
        send_verification_reminders()
        with override_settings(NETWORK_REMIND_EVERY_DAYS=7):
            self.assertEqual(send_verification_reminders(self.today_plus(6)), 0)
            self.assertEqual(send_verification_reminders(self.today_plus(7)), 1)

    def test_it_writes_the_editor_language_and_dates(self):
        self.editor_a.language = "fr"
        self.editor_a.save()
        self.org_a.name = {"en": "Agency A", "fr": "Agence A"}
        self.org_a.verified_at = datetime.datetime(2020, 3, 5, 12, tzinfo=datetime.UTC)
        self.org_a.save()
        send_verification_reminders()
        message = mail.outbox[0]
        self.assertEqual(message.extra_headers["Content-Language"], "fr")
        self.assertIn("Agence A", message.subject)
        self.assertIn("5 mars 2020", message.body)  # Django's own French month names

    @override_settings(LANGUAGE_CODE="nl")
    def test_it_writes_in_the_site_language_when_the_editor_has_none(self):
        send_verification_reminders()
        self.assertEqual(mail.outbox[0].extra_headers["Content-Language"], "nl")

    def test_it_records_the_reminder_in_the_audit_trail(self):
        send_verification_reminders()
        event = AuditEvent.objects.for_target(self.org_a).get(
            action="network.verification_reminded"
        )
        self.assertIsNone(event.actor)
        self.assertEqual(event.changes["entries"], [None, 2])
        self.assertEqual(event.changes["recipients"], [None, [self.editor_a.pk]])
        self.assertFalse(AuditEvent.objects.for_target(self.org_b).exists())

    def test_it_reminds_an_organisation_as_soon_as_it_has_an_editor(self):
        send_verification_reminders()
        make_user("editor@b.test", self.org_b, Role.DIRECTORY_EDITOR)
        self.assertEqual(send_verification_reminders(), 1)
        message = mail.outbox[-1]
        self.assertEqual(message.to, ["editor@b.test"])
        self.assertIn("Counselling address", message.body)

    def test_it_mails_every_editor_of_the_organisation_but_not_other_roles(self):
        make_user("editor2@a.test", self.org_a, Role.DIRECTORY_EDITOR)
        inactive = make_user("inactive@a.test", self.org_a, Role.DIRECTORY_EDITOR)
        User.objects.filter(pk=inactive.pk).update(is_active=False)
        self.assertEqual(send_verification_reminders(), 2)
        self.assertEqual(sorted(m.to[0] for m in mail.outbox), ["editor2@a.test", "editor@a.test"])

    def test_its_queries_do_not_grow_with_the_entries(self):
        for number in range(5):
            make_service(self.org_a, f"Extra service {number}")
            make_service(self.org_b, f"Other service {number}")
            make_post(self.org_a, self.kind)
        make_user("editor2@a.test", self.org_a, Role.DIRECTORY_EDITOR)
        # stale organisations, services and posts, past reminders, editors, one audit row
        with self.assertNumQueries(6):
            send_verification_reminders()
        self.assertEqual(mail.outbox[0].body.count("Extra service"), 5)

    def test_it_runs_as_a_task_and_from_the_command(self):
        self.assertEqual(send_verification_reminders_task.call(), 1)
        call_command("remind_verifications", stdout=open("/dev/null", "w"))  # noqa: SIM115
        self.assertEqual(len(mail.outbox), 1)  # the command's run falls within the period

    @staticmethod
    def today_plus(days: int) -> datetime.date:
        return timezone.localdate() + datetime.timedelta(days=days)
