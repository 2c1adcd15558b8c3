"""The main journeys in a real browser, with axe on every page visited."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect

from core.management.commands.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(visit, email):
    visit.go("/accounts/login/")
    visit.page.get_by_label(re.compile("E-?mail", re.I)).fill(email)
    visit.page.get_by_label(re.compile("Password", re.I)).fill(DEMO_PASSWORD)
    visit.page.get_by_role("main").get_by_role("button", name="Log in").click()


def log_out(visit):
    visit.page.get_by_role("button", name="Log out").click()
    visit.page.wait_for_url(re.compile(r".*/$"))


def test_the_public_browses_filters_and_switches_language(visit):
    visit.go("/")
    visit.page.get_by_role("link", name=re.compile("Action plan for the prevention")).first.click()
    visit.check()
    expect(visit.page.get_by_role("heading", level=1)).to_contain_text("radicalisation")
    visit.page.get_by_label("Type").select_option("N")
    expect(visit.page.locator(".result-count")).to_contain_text("18 measures match")
    visit.check()
    visit.page.get_by_role("link", name=re.compile(r"^4\.6 ")).click()
    visit.check()
    expect(visit.page.locator("body")).to_contain_text("1,000,000.00 €")
    expect(visit.page.locator("body")).to_contain_text("AMIF")
    visit.go("/plans/flanders-2017/dashboard/")
    expect(visit.page.get_by_role("heading", name="Budget by minister")).to_be_visible()
    visit.page.get_by_label("Language").select_option("fr")
    visit.page.get_by_role("button", name="Change").click()
    visit.check()
    expect(visit.page.locator("html")).to_have_attribute("lang", "fr")


def test_a_contact_point_reports_and_the_coordinator_publishes(visit):
    log_in(visit, "contact.ov@demo.synergie.test")
    visit.go("/plans/flanders-2017/")
    visit.page.get_by_role("link", name="Voortgang 2018").click()
    visit.check()
    visit.page.get_by_role("link", name=re.compile(r"^2\.2 ")).click()
    visit.check()
    visit.page.get_by_label("Status").select_option("in_progress")
    visit.page.get_by_label("Progress (%)").fill("35")
    visit.page.get_by_label("What happened in this period?").fill(
        "The PLP41 contact list was sent to every school."
    )
    visit.page.get_by_role("button", name="Submit for review").click()
    expect(visit.page.locator(".messages")).to_contain_text("Your update was saved.")
    visit.check()
    log_out(visit)

    log_in(visit, "coordinator@demo.synergie.test")
    visit.go("/plans/flanders-2017/")
    visit.page.get_by_role("link", name="Voortgang 2018").click()
    visit.page.get_by_role("link", name=re.compile(r"^2\.2 ")).click()
    visit.check()
    visit.page.get_by_role("button", name="Publish").click()
    expect(visit.page.locator(".messages")).to_contain_text("The update is published.")
    visit.check()
    # The coordinator's other screens, each checked with axe.
    for path in (
        "/plans/my-work/",
        "/plans/flanders-2017/edit/",
        "/plans/flanders-2017/import/",
        "/plans/flanders-2017/measures/2.2/edit/",
        "/plans/flanders-2017/measures/2.2/details/",
        "/plans/flanders-2017/measures/2.2/indicators/new/",
        "/plans/new/",
        "/accounts/profile/",
    ):
        visit.go(path)
    visit.page.get_by_role("link", name="Action plans").first.click()
    visit.page.get_by_role("link", name=re.compile("Action plan for the prevention")).click()
    visit.page.get_by_role("link", name="Voortgang 2018").click()
    visit.page.get_by_role("link", name="Evaluation").click()
    visit.check()
    log_out(visit)

    visit.go("/plans/flanders-2017/measures/2.2/")
    expect(visit.page.locator("body")).to_contain_text(
        "The PLP41 contact list was sent to every school."
    )
    expect(visit.page.locator("body")).not_to_contain_text("reported by")


def test_a_data_protection_officer_logs_in_with_a_second_factor(visit):
    log_in(visit, "dpo@demo.synergie.test")
    visit.check()
    code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, int(time.time()) // 30))
    visit.page.get_by_label(re.compile(r"^Code", re.I)).fill(code)
    visit.page.get_by_role("button", name=re.compile("Sign in|Confirm", re.I)).click()
    visit.go("/audit/")
    expect(visit.page.get_by_role("heading", level=1)).to_have_text("Audit log")
    expect(visit.page.locator("table")).to_contain_text("user.logged_in")


def test_a_user_adds_a_security_key_and_logs_in_with_it(visit):
    """WebAuthn with Chromium's virtual authenticator (localhost is a secure context)."""
    cdp = visit.page.context.new_cdp_session(visit.page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    log_in(visit, "contact.ov@demo.synergie.test")
    visit.go("/accounts/2fa/webauthn/add/")  # asks for the password again first
    visit.page.get_by_label(re.compile("Password", re.I)).fill(DEMO_PASSWORD)
    visit.page.get_by_role("main").get_by_role("button", name="Confirm").click()
    visit.page.wait_for_url(re.compile(r"/accounts/2fa/webauthn/add/"))
    visit.check()
    visit.page.locator("#mfa_webauthn_add").click()
    visit.page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    from allauth.mfa.models import Authenticator

    assert Authenticator.objects.filter(
        user__email="contact.ov@demo.synergie.test", type=Authenticator.Type.WEBAUTHN
    ).exists()
    log_out(visit)
    log_in(visit, "contact.ov@demo.synergie.test")
    visit.page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    visit.check()
    visit.page.locator("#mfa_webauthn_authenticate").click()
    visit.page.wait_for_url(re.compile(r"/$"))
    expect(visit.page.get_by_role("button", name="Log out")).to_be_visible()


def test_the_public_finds_a_service_in_the_directory(visit):
    visit.go("/")
    visit.page.get_by_role("link", name="Directory").click()
    visit.check()
    visit.page.get_by_label("For whom").select_option("parents")
    expect(visit.page.locator(".result-count")).to_contain_text("services found")
    expect(visit.page.get_by_role("link", name="Help desk for parents")).to_be_visible()
    # A service not listed publicly stays hidden from the public.
    expect(visit.page.locator("#results")).not_to_contain_text("Confidential counselling")
    visit.check()
    visit.page.get_by_role("link", name="Help desk for parents").click()
    expect(visit.page.get_by_role("heading", level=1)).to_have_text("Help desk for parents")
    expect(visit.page.locator("body")).to_contain_text("Monday 09:00–17:00")
    visit.check()
    visit.go("/directory/open-data/")
    visit.check()
    # Namur's protocol of cooperation: text, signatories and commitments are public.
    visit.go("/directory/")
    visit.page.get_by_role("link", name="Protocols of cooperation").click()
    visit.page.get_by_role("link", name=re.compile("Protocol of cooperation to prevent")).click()
    expect(visit.page.get_by_role("table", name="Signatories")).to_contain_text("City of Namur")
    expect(visit.page.locator("body")).to_contain_text("Taking charge of individual situations")
    visit.check()


def test_an_editor_verifies_their_organisations_entries(visit):
    log_in(visit, "editor@demo.synergie.test")
    visit.go("/directory/organisations/namur-cohesion/")
    visit.check()
    visit.page.get_by_role("button", name="Confirm this entry is up to date").click()
    expect(visit.page.locator("body")).to_contain_text("marked as verified today")
    expect(visit.page.locator("body")).to_contain_text("by Quentin Annuaire")
    visit.check()
    visit.page.get_by_role("link", name="Edit the organisation").click()
    visit.check()
    visit.page.get_by_label("Postcode").fill("50000")
    visit.page.get_by_role("button", name="Save").click()
    expect(visit.page.locator(".field-error")).to_contain_text("four digits")
    visit.check()
    visit.page.get_by_label("Postcode").fill("5000")
    visit.page.get_by_label("Street and number").fill("Hôtel de Ville")
    visit.page.get_by_role("button", name="Save").click()
    expect(visit.page.locator("body")).to_contain_text("Hôtel de Ville, 5000 Namur")
    # A post of the organisation: the editor confirms it too.
    visit.go("/directory/posts/5b0e6a52-1c1e-4f51-9d5e-0a0000000004/")
    visit.check()
    visit.page.get_by_role("button", name="Confirm this entry is up to date").click()
    expect(visit.page.locator("body")).to_contain_text("marked as verified today")
    expect(visit.page.locator("body")).to_contain_text("by Quentin Annuaire")
    visit.check()
    # Another organisation's entry offers no edit button.
    visit.go("/directory/organisations/cpas-namur/")
    expect(visit.page.get_by_role("link", name="Edit the organisation")).to_have_count(0)
    expect(visit.page.locator("body")).to_contain_text("This entry may be out of date.")
    visit.check()


def test_a_coordinator_fills_a_coverage_gap_with_an_acting_reference_person(visit):
    log_in(visit, "coordinator@demo.synergie.test")
    visit.page.get_by_role("link", name="Coverage").click()
    visit.check()
    gaps = visit.page.get_by_role("table", name="Open gaps")
    expect(gaps).to_contain_text("Mechelen Justice Centre")
    expect(gaps).to_contain_text("acting 0 of 1")
    visit.page.get_by_role("link", name="Add an acting post — Mechelen Justice Centre").click()
    visit.check()
    expect(visit.page.get_by_label("Kind of post")).to_have_value("reference-justice-assistant")
    expect(visit.page.get_by_label("Capacity")).to_have_value("acting")
    visit.page.get_by_role("button", name="Save").click()
    expect(visit.page.get_by_role("heading", level=1)).to_have_text("Appoint a holder")
    visit.check()
    visit.page.get_by_label("E-mail of the person").fill("bram.dijle@demo.synergie.test")
    visit.page.get_by_role("button", name="Appoint").click()
    expect(visit.page.locator(".field-error")).to_contain_text("give their full name")
    visit.check()
    visit.page.get_by_label("Full name").fill("Bram Dijle")
    visit.page.get_by_role("button", name="Appoint").click()
    expect(visit.page.locator("body")).to_contain_text("Bram Dijle now holds the post.")
    expect(visit.page.get_by_role("table", name="Holders over time")).to_contain_text("Bram Dijle")
    visit.check()
    visit.page.get_by_role("link", name="Coverage").click()
    expect(visit.page.get_by_role("table", name="Open gaps")).not_to_contain_text("Mechelen")
    visit.page.get_by_label("Show").select_option("closed")
    visit.page.get_by_role("button", name="Filter").click()
    closed = visit.page.get_by_role("table", name="Closed gaps")
    expect(closed).to_contain_text("Mechelen Justice Centre")
    expect(closed).to_contain_text("An Coördinator")
    visit.check()
    # The people search finds the new holder.
    visit.go("/directory/?kind=people&q=bram")
    expect(visit.page.get_by_role("link", name="Bram Dijle")).to_be_visible()


def test_a_coordinator_opens_a_platforms_network_view_and_its_meeting(visit):
    visit.go("/platforms/")
    visit.check()
    # The public sees public platforms and their member organisations, never an LIVC-R.
    expect(visit.page.locator("main")).not_to_contain_text("Namur LIVC-R")
    visit.page.get_by_role("link", name="Flemish Platform on Radicalisation").click()
    expect(visit.page.locator("main")).not_to_contain_text("Upcoming meetings")
    visit.check()
    log_in(visit, "coordinator@demo.synergie.test")
    visit.go("/platforms/vlaams-platform-radicalisering/")
    expect(visit.page.get_by_role("heading", name="Upcoming meetings")).to_be_visible()
    visit.check()
    visit.page.get_by_role("link", name="Schedule a meeting").click()
    visit.check()
    visit.go("/platforms/namur-livc-r/")
    seats = visit.page.locator("main")
    expect(seats).to_contain_text("Jean Police")
    visit.check()
