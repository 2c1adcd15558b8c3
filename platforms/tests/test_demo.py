"""The demo's platforms: loaded after the directory and its posts, and loading them again
changes nothing."""

from django.core.management import call_command
from django.test import TestCase

from audit.models import AuditEvent
from platforms.demo import load_platforms
from platforms.models import Meeting, Membership, Platform


def load_demo():
    with open("/dev/null", "w") as quiet:
        call_command("demo", stdout=quiet)


class PlatformDemoTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo()

    def test_it_loads_three_platforms_with_their_members(self):
        self.assertEqual(
            dict(Platform.objects.values_list("key", "is_public")),
            {
                "vlaams-platform-radicalisering": True,
                "namur-plateforme": True,
                "namur-livc-r": False,
            },
        )
        flemish = Membership.objects.filter(platform__key="vlaams-platform-radicalisering")
        self.assertEqual(
            set(flemish.values_list("organisation__key", flat=True)),
            {"KB", "OV", "WVG", "CJSM", "WSE", "VVSG", "OCAD"},
        )
        seats = Membership.objects.filter(platform__key="namur-livc-r").select_related("post")
        self.assertEqual(sorted(str(m.post.uuid)[-2:] for m in seats), ["02", "03", "04"])

    def test_each_platform_has_a_past_and_an_upcoming_meeting(self):
        for platform in Platform.objects.all():
            with self.subTest(platform=platform.key):
                meetings = Meeting.objects.filter(platform=platform)
                self.assertEqual(
                    list(meetings.values_list("status", flat=True)), ["held", "planned"]
                )
                held = meetings.get(status="held")
                self.assertIsNotNone(held.minutes_approved_at)
                self.assertTrue(held.decisions.exists())
                self.assertTrue(held.actions.exists())
                self.assertEqual(len(held.title), 4)

    def test_it_changes_nothing_when_run_again(self):
        events, meetings = AuditEvent.objects.count(), Meeting.objects.count()
        load_platforms()
        self.assertEqual((AuditEvent.objects.count(), Meeting.objects.count()), (events, meetings))
