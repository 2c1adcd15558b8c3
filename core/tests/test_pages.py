import re
from decimal import Decimal

from django.template import Context, Template
from django.utils import translation

from core.testing import Personas


class HeadersTest(Personas):
    def test_it_sends_a_nonce_based_csp_and_security_headers(self):
        response = self.client.get("/")
        csp = response["Content-Security-Policy"]
        self.assertIn("default-src 'self'", csp)
        self.assertRegex(csp, r"script-src 'self' 'nonce-[^']+'")
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertRegex(response["X-Request-ID"], r"^[0-9a-f]{32}$")

    def test_it_loads_no_asset_from_another_host(self):
        for url in ("/", "/plans/plan-a/", "/plans/plan-a/dashboard/", "/api/v1/docs"):
            html = self.client.get(url).content.decode()
            external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
            self.assertEqual(external, [], url)

    def test_it_answers_the_health_check(self):
        self.assertEqual(self.client.get("/healthz").json(), {"status": "ok"})


class LocaleFormatTest(Personas):
    def render(self, language, text, **context):
        with translation.override(language):
            return Template("{% load synergie %}" + text).render(Context(context))

    def test_it_writes_amounts_in_the_users_locale(self):
        amount = Decimal("1234.56")
        self.assertEqual(self.render("nl", "{{ a|money }}", a=amount), "1.234,56 €")
        self.assertEqual(self.render("de", "{{ a|money }}", a=amount), "1.234,56 €")
        self.assertEqual(self.render("en", "{{ a|money }}", a=amount), "1,234.56 €")
        self.assertIn("234,56 €", self.render("fr", "{{ a|money }}", a=amount))

    def test_it_picks_content_in_the_language_with_a_fallback(self):
        values = {"nl": "Actieplan", "fr": "Plan d'action"}
        self.assertEqual(self.render("fr", "{{ v|tr }}", v=values), "Plan d&#x27;action")
        self.assertEqual(self.render("de", "{{ v|tr }}", v=values), "Actieplan")
