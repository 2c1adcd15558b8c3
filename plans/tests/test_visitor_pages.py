"""Whole pages cached for visitors (core.render_cache.visitor_page): each visitor gets their
own CSP nonce and CSRF token back, nothing of one visitor reaches another, and members,
visitors with messages and htmx requests never get a stored page."""

import re

from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.test import Client, RequestFactory, TransactionTestCase, override_settings
from django.test.utils import CaptureQueriesContext

from core import render_cache
from core.testing import Personas
from plans import cache as plans_cache
from plans.models import PlanStatus

NONCE_IN_PAGE = re.compile(r'<script nonce="([^"]+)"')
TOKEN_IN_FORM = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN_IN_HEADERS = re.compile(r'"X-CSRFToken": "([^"]+)"')


def stored_pages() -> list[str]:
    return [k for k in cache._cache if ":visitor-page:" in k]  # type: ignore[attr-defined]


@override_settings(PLANS_CACHE_SECONDS=600, DIRECTORY_CACHE_SECONDS=300)
class VisitorPageTest(TransactionTestCase):
    """Real commits, so that a change raises the generation as in production."""

    url = "/plans/plan-a/"
    login = Personas.login

    def setUp(self):
        cache.clear()
        Personas.setUpTestData.__func__(type(self))  # the personas, committed

    def visit(self, client: Client, url: str | None = None) -> tuple[HttpResponse, str, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url or self.url)
        self.assertEqual(response.status_code, 200)
        return response, response.content.decode(), len(captured)

    def test_the_second_visitor_gets_the_stored_page_with_their_own_nonce_and_token(self):
        first, first_page, first_queries = self.visit(Client())
        second_client = Client()
        second, second_page, second_queries = self.visit(second_client)
        self.assertGreater(first_queries, 0)
        self.assertEqual(second_queries, 0)  # one cache read (the cache is in memory here)
        self.assertEqual(len(stored_pages()), 1)
        # the same page...
        self.assertIn("Item 1.2", second_page)
        self.assertEqual(
            TOKEN_IN_FORM.sub("", NONCE_IN_PAGE.sub("", second_page)).replace(
                TOKEN_IN_HEADERS.search(second_page).group(1), ""
            ),
            TOKEN_IN_FORM.sub("", NONCE_IN_PAGE.sub("", first_page)).replace(
                TOKEN_IN_HEADERS.search(first_page).group(1), ""
            ),
        )
        # ...with the second visitor's nonce, the one their CSP header allows
        nonce = NONCE_IN_PAGE.search(second_page).group(1)
        self.assertIn(f"'nonce-{nonce}'", second["Content-Security-Policy"])
        self.assertNotEqual(nonce, NONCE_IN_PAGE.search(first_page).group(1))
        self.assertNotIn(NONCE_IN_PAGE.search(first_page).group(1), second_page)
        # ...and a token of the CSRF secret set in the second visitor's own cookie
        secret = second.cookies["csrftoken"].value
        self.assertNotEqual(secret, first.cookies["csrftoken"].value)
        for token in (TOKEN_IN_FORM, TOKEN_IN_HEADERS):
            self.assertEqual(_unmask_cipher_token(token.search(second_page).group(1)), secret)
        self.assertNotIn(TOKEN_IN_FORM.search(first_page).group(1), second_page)
        self.assertNotIn("\ue000", second_page)  # no marker left
        self.assertIn("Cookie", second["Vary"])

    def test_the_language_form_of_a_stored_page_passes_the_csrf_check(self):
        self.visit(Client())  # stores the page
        visitor = Client(enforce_csrf_checks=True)
        _response, page, queries = self.visit(visitor)
        self.assertEqual(queries, 0)
        data = {"language": "fr", "next": self.url}
        stolen = {**data, "csrfmiddlewaretoken": TOKEN_IN_FORM.search(page).group(1)}
        self.assertEqual(visitor.post("/language", stolen).status_code, 302)
        self.assertEqual(visitor.cookies["django_language"].value, "fr")
        # someone else's page's token does not pass with this visitor's cookie
        other_page = self.visit(Client())[1]
        forged = {**data, "csrfmiddlewaretoken": TOKEN_IN_FORM.search(other_page).group(1)}
        self.assertEqual(visitor.post("/language", forged).status_code, 403)

    def test_each_language_has_its_own_page(self):
        self.visit(Client())
        french = Client(HTTP_ACCEPT_LANGUAGE="fr")
        page = self.visit(french)[1]
        self.assertIn('<html lang="fr">', page)
        self.assertEqual(len(stored_pages()), 2)

    def test_a_member_neither_gets_nor_stores_a_visitor_page(self):
        self.login(self.coordinator)
        member_page = self.visit(self.client)[1]
        self.assertIn("/accounts/logout/", member_page)
        self.assertEqual(stored_pages(), [])
        visitor_page = self.visit(Client())[1]
        self.assertNotIn("/accounts/logout/", visitor_page)
        self.assertIn("/accounts/login/", visitor_page)
        self.assertIn("/accounts/logout/", self.visit(self.client)[1])  # page stored now

    def test_a_visitor_with_messages_gets_them(self):
        self.visit(Client())  # stores the page
        storage = CookieStorage(HttpRequest())
        encoded = storage._encode([Message(constants.INFO, "You have signed out.")])
        visitor = Client()
        visitor.cookies["messages"] = encoded
        self.assertIn("You have signed out.", self.visit(visitor)[1])
        self.assertNotIn("You have signed out.", self.visit(Client())[1])

    def test_an_htmx_request_gets_the_tree_alone(self):
        self.visit(Client())
        response = Client().get(self.url, HTTP_HX_REQUEST="true")
        self.assertNotIn(b"<html", response.content)
        self.assertIn(b"Item 1.2", response.content)

    def test_a_change_shows_to_the_next_visitor_and_a_404_is_never_stored(self):
        self.visit(Client())
        self.plan.status = PlanStatus.DRAFT
        self.plan.save()
        self.assertEqual(Client().get(self.url).status_code, 404)
        self.assertEqual(Client().get(self.url).status_code, 404)
        # the entry left is the one stored before the change, never a 404
        (entry,) = stored_pages()
        generation, _page = cache.get(entry.split(":", 2)[2])
        self.assertLess(generation, plans_cache.generation())

    def test_the_measure_page_dashboard_and_directory_are_stored_too(self):
        for url in ("/plans/plan-a/measures/1.1/", "/plans/plan-a/dashboard/", "/directory/"):
            self.visit(Client(), url)
            self.assertEqual(self.visit(Client(), url)[2], 0, url)


class TemplateTest(TransactionTestCase):
    """What `_as_template` keeps and refuses, on pages built by hand."""

    def request(self) -> HttpRequest:
        request = RequestFactory().get("/plans/plan-a/")
        request._csp_nonce = "Tm9uY2Vub25jZW5vbmNl"  # type: ignore[attr-defined]
        return request

    def test_every_masked_form_of_the_secret_is_replaced(self):
        request = self.request()
        first, second = get_token(request), get_token(request)  # masked differently
        self.assertNotEqual(first, second)
        body = f'<script nonce="Tm9uY2Vub25jZW5vbmNl"></script><p>{first}</p><i>{second}</i>'
        kept = render_cache._as_template(request, HttpResponse(body))
        self.assertIsNotNone(kept)
        _type, text = kept
        self.assertNotIn(first, text)
        self.assertNotIn(second, text)
        self.assertNotIn("Tm9uY2Vub25jZW5vbmNl", text)
        self.assertEqual(text.count(render_cache.CSRF_MARK), 2)
        self.assertEqual(text.count(render_cache.NONCE_MARK), 1)

    def test_a_page_is_not_kept_with_a_cookie_a_header_a_marker_or_another_status(self):
        request = self.request()
        with_cookie = HttpResponse("page")
        with_cookie.set_cookie("seen", "1")
        with_header = HttpResponse("page", headers={"Cache-Control": "no-store"})
        refused = [
            with_cookie,
            with_header,
            HttpResponse(f"a title with {render_cache.CSRF_MARK} in it"),
            HttpResponse("not found", status=404),
            HttpResponse("{}", content_type="application/json"),
        ]
        for response in refused:
            self.assertIsNone(render_cache._as_template(request, response))
        self.assertEqual(
            render_cache._as_template(request, HttpResponse("page")),
            ("text/html; charset=utf-8", "page"),
        )
