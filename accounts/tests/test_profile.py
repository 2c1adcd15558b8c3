from django.urls import reverse

from accounts.models import ApiToken
from audit.models import AuditEvent
from core.testing import Personas


class TokenTest(Personas):
    def test_it_creates_a_token_and_shows_the_secret_once(self):
        self.login(self.contact_a)
        response = self.client.post(
            reverse("accounts:token_create"), {"name": "Our system", "scope": "read_write"}
        )
        token = ApiToken.objects.get(user=self.contact_a)
        secret = response.context["secret"]
        self.assertContains(response, secret)
        self.assertEqual(token.digest, ApiToken.hash(secret))
        self.assertNotContains(self.client.get(reverse("accounts:profile")), secret)
        self.assertTrue(AuditEvent.objects.filter(action="api_token.created").exists())
        api = self.client_class()
        answer = api.get("/api/v1/plans/plan-a/rounds", HTTP_AUTHORIZATION=f"Bearer {secret}")
        self.assertEqual(answer.status_code, 200)

    def test_it_refuses_a_token_without_a_name(self):
        self.login(self.contact_a)
        response = self.client.post(reverse("accounts:token_create"), {"scope": "nope"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(ApiToken.objects.exists())

    def test_it_revokes_a_token(self):
        from accounts.services import create_api_token

        token, secret = create_api_token(self.contact_a, name="x", scope="read")
        self.login(self.contact_a)
        self.client.post(reverse("accounts:token_revoke", args=[token.pk]))
        token.refresh_from_db()
        self.assertIsNotNone(token.revoked_at)
        answer = self.client_class().get(
            "/api/v1/plans/plan-a/rounds", HTTP_AUTHORIZATION=f"Bearer {secret}"
        )
        self.assertEqual(answer.status_code, 401)

    def test_it_hides_other_users_tokens(self):
        from accounts.services import create_api_token

        token, _secret = create_api_token(self.contact_a, name="x", scope="read")
        self.login(self.reader)
        response = self.client.post(reverse("accounts:token_revoke", args=[token.pk]))
        self.assertEqual(response.status_code, 404)
        token.refresh_from_db()
        self.assertIsNone(token.revoked_at)


class LanguageTest(Personas):
    def test_it_switches_the_language_for_a_visitor(self):
        response = self.client.post(
            reverse("core:set_language"), {"language": "fr", "next": "/plans/"}
        )
        self.assertRedirects(response, "/plans/", fetch_redirect_response=False)
        page = self.client.get("/plans/")
        self.assertContains(page, 'lang="fr"')

    def test_it_remembers_the_language_on_the_account(self):
        self.login(self.reader)
        self.client.post(reverse("core:set_language"), {"language": "de", "next": "/"})
        self.reader.refresh_from_db()
        self.assertEqual(self.reader.language, "de")
        self.client.cookies.clear()
        self.login(self.reader)
        self.assertContains(self.client.get("/"), 'lang="de"')
        self.assertTrue(AuditEvent.objects.filter(action="user.language_changed").exists())

    def test_it_ignores_an_unknown_language_and_a_foreign_next_url(self):
        response = self.client.post(
            reverse("core:set_language"), {"language": "xx", "next": "https://evil.example/"}
        )
        self.assertEqual(response["Location"], "/")
        self.assertNotIn("django_language", response.cookies)
