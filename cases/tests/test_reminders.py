import datetime

from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.middleware import MFA_OK_KEY
from audit.models import AuditEvent
from cases import reminders, services
from cases.models import ServiceReferral
from cases.tests.base import CasePersonas
from core.testing import TOTP_SECRET


class OverdueReferrals(CasePersonas):
    def refer(self, days_overdue: int) -> ServiceReferral:
        referral = services.refer_to_service(
            self.file,
            self.private_service_b,
            fields=["name"],
            message="please",
            legal_basis="consent",
            consent_reference="Signed form of 3 March",
            actor=self.partner,
        )
        ServiceReferral.objects.filter(pk=referral.pk).update(
            due_on=timezone.localdate() - datetime.timedelta(days=days_overdue)
        )
        mail.outbox.clear()
        return referral

    def test_the_sender_and_the_receiving_service_are_reminded_without_personal_data(self):
        referral = self.refer(days_overdue=2)
        self.assertTrue(referral.__class__.objects.get(pk=referral.pk).is_overdue)
        sent = reminders.send_overdue_reminders()
        self.assertEqual(sent, 2)
        recipients = sorted(m.to[0] for m in mail.outbox)
        self.assertEqual(recipients, ["partner@a.test", "partner@b.test"])
        for message in mail.outbox:
            self.assertNotIn("Pat", message.body + message.subject)
            self.assertNotIn(self.person.handle, message.body + message.subject)
        self.assertIn(f"/cases/{self.file.uuid}/", mail.outbox[0].body + mail.outbox[1].body)
        event = AuditEvent.objects.get(action=reminders.ACTION)
        self.assertEqual(event.subject, str(self.person.uuid))

    def test_a_referral_is_reminded_once_a_week_and_not_when_answered_or_not_yet_due(self):
        self.refer(days_overdue=1)
        reminders.send_overdue_reminders()
        mail.outbox.clear()
        self.assertEqual(reminders.send_overdue_reminders(), 0)
        answered = self.refer(days_overdue=0)
        self.assertFalse(answered.is_overdue)
        self.assertEqual(reminders.send_overdue_reminders(), 0)

    def test_the_command_queues_the_task(self):
        self.refer(days_overdue=3)
        call_command("remind_overdue_referrals", stdout=open("/dev/null", "w"))  # noqa: SIM115
        self.assertEqual(len(mail.outbox), 2)


class NoCaseContentInTheAdmin(CasePersonas):
    def test_the_admin_site_lists_no_case_model_and_has_no_case_url(self):
        TOTP.activate(self.admin, TOTP_SECRET)
        self.client.force_login(self.admin)
        session = self.client.session
        session[MFA_OK_KEY] = True
        session.save()
        page = self.client.get("/admin/")
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "/admin/cases/")
        self.assertEqual(self.client.get("/admin/cases/").status_code, 404)
        self.assertEqual(self.client.get("/admin/cases/journalentry/").status_code, 404)

    def test_an_administrator_does_not_see_files(self):
        from cases import access

        self.assertFalse(access.visible_files(self.admin).exists())
        self.assertFalse(access.team_files(self.admin).exists())
