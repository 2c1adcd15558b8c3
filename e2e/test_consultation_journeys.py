"""The LIVC-R journey in a real browser, on the Namur demo, with axe on every page visited:
the prevention officer prepares the agenda, an invited partner signs the declaration and
sees only their case, the chair records consensus and the police member downloads the
information sheet, and the minutes of the last meeting are approved at this one."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.test_cases_journeys import SAM, demo_file, log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PREVENTION = "municipal@demo.synergie.test"
POLICE = "livc@demo.synergie.test"
CHAIR = "rose.mandat@demo.synergie.test"
PARTNER = "partner@demo.synergie.test"
OFFICER = "referral@demo.synergie.test"
NOAH = "Noah Témoin (fictif)"


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_case_consultation_from_agenda_to_information_sheet(visit):
    from consultations.models import InformationSheet, Meeting, Minutes

    sam = demo_file(OFFICER, SAM).person
    noah = demo_file(OFFICER, NOAH).person
    page = visit.page
    now = timezone.now()

    # The prevention officer schedules today's meeting: Sam comes back by himself (an
    # action of the last meeting is open); she adds Noah and invites the CPAS for Sam.
    log_in(visit, PREVENTION)
    page.get_by_role("link", name="Consultations").click()
    visit.check()
    page.get_by_role("link", name=re.compile("Schedule a meeting")).click()
    visit.check()
    page.get_by_label("Starts at").fill(local(now - datetime.timedelta(minutes=30)))
    page.get_by_label("Ends at").fill(local(now + datetime.timedelta(hours=2)))
    page.get_by_label("Place").fill("Hôtel de ville de Namur")
    page.get_by_label("Chair").select_option(label="Rose Mandat")
    page.get_by_label("Secretary").select_option(label="Gaëlle Cohésion")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("The meeting is scheduled")
    meeting = Meeting.objects.order_by("-created_at", "-id").first()
    agenda = page.get_by_role("table", name="Cases on the agenda")
    expect(agenda).to_contain_text(sam.handle)
    expect(agenda).to_contain_text("Carried over")
    expect(page.locator("main")).not_to_contain_text("Sam Exemple")
    visit.check()
    page.get_by_role("link", name="Add a case to the agenda").click()
    visit.check()
    page.get_by_label("Person (handle)").select_option(noah.handle)
    page.get_by_label("Presented by").select_option(label="City of Namur")
    page.get_by_role("button", name="Add to the agenda").click()
    expect(page.locator(".messages")).to_contain_text("The case is on the agenda.")
    expect(agenda).to_contain_text(noah.handle)
    agenda.get_by_role("link", name=sam.handle).click()
    expect(page.locator("main")).to_contain_text("Vérifier l'inscription à la formation")
    visit.check()
    page.get_by_label("E-mail of the professional").fill(PARTNER)
    page.get_by_label("Why they are invited for this case").fill(
        "Le CPAS accompagne la personne vers la formation."
    )
    page.get_by_role("button", name="Invite for this case").click()
    expect(page.locator(".messages")).to_contain_text("invited for this case")
    visit.check()
    log_out(visit)

    # The invited partner signs the declaration, then sees Sam's case and nothing else.
    log_in(visit, PARTNER)
    visit.go(f"/consultations/{meeting.uuid}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confidentiality declaration")
    visit.check()
    page.get_by_label("I have read this declaration and I sign it.").check()
    page.get_by_role("button", name="Sign the declaration").click()
    expect(page.locator(".messages")).to_contain_text("You signed")
    agenda = page.get_by_role("table", name="Cases on the agenda")
    expect(agenda).to_contain_text(sam.handle)
    expect(agenda).not_to_contain_text(noah.handle)
    expect(page.locator("main")).not_to_contain_text("Attendance register")
    visit.check()
    log_out(visit)

    # The secretary records who is present and the discussion of Sam's case.
    log_in(visit, PREVENTION)
    visit.go(f"/consultations/{meeting.uuid}/attendance/")
    for box in page.get_by_role("group", name="Present").get_by_role("checkbox").all():
        box.check()
    page.get_by_role("button", name="Save the register").click()
    expect(page.locator(".messages")).to_contain_text("The attendance register is saved.")
    visit.check()
    page.get_by_role("table", name="Cases on the agenda").get_by_role(
        "link", name=sam.handle
    ).click()
    page.get_by_label("Summary of the discussion").fill(
        "Le CPAS confirme l'inscription; la situation reste à suivre."
    )
    page.get_by_label(re.compile("^Decisions")).fill("Transmettre une fiche d'information.")
    page.get_by_label("The case was discussed").check()
    page.get_by_role("button", name="Save the discussion").click()
    expect(page.locator(".messages")).to_contain_text("The discussion is saved.")
    visit.check()
    log_out(visit)

    # The police member asks the members present for consensus.
    log_in(visit, POLICE)
    visit.go(f"/consultations/{meeting.uuid}/")
    page.get_by_role("table", name="Cases on the agenda").get_by_role(
        "link", name=sam.handle
    ).click()
    page.get_by_label("Purpose of the information sheet").fill("Évaluation de la menace par l'OCAM")
    page.get_by_role("button", name="Ask the members present for consensus").click()
    expect(page.locator(".messages")).to_contain_text("record each member's answer")
    visit.check()
    log_out(visit)

    # The chair records every member's agreement and approves the last minutes.
    log_in(visit, CHAIR)
    visit.go(f"/consultations/{meeting.uuid}/")
    page.get_by_role("button", name="Approve the minutes of the previous meeting").click()
    expect(page.locator(".messages")).to_contain_text("are approved")
    visit.check()
    page.get_by_role("table", name="Cases on the agenda").get_by_role(
        "link", name=sam.handle
    ).click()
    page.get_by_role("link", name="Record the members' answers").click()
    visit.check()
    for group in page.locator("fieldset").all():
        group.get_by_label("Agrees", exact=True).check()
    page.get_by_role("button", name="Record the answers").click()
    expect(page.locator(".messages")).to_contain_text("Consensus reached")
    visit.check()
    log_out(visit)
    previous = Minutes.objects.get(meeting__cell=meeting.cell, meeting__starts_at__lt=now)
    assert previous.approved_in == meeting

    # The police member downloads the watermarked sheet (the login counts as step-up).
    log_in(visit, POLICE)
    visit.go(f"/consultations/{meeting.uuid}/")
    page.get_by_role("table", name="Cases on the agenda").get_by_role(
        "link", name=sam.handle
    ).click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the information sheet").click()
    with open(download_info.value.path(), encoding="utf-8") as downloaded:
        text = downloaded.read()
    sheet = InformationSheet.objects.get()
    assert "Évaluation de la menace par l'OCAM" in text.splitlines()[0]
    assert str(sheet.uuid) in text
    assert "Sam Exemple" in text
