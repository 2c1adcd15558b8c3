"""The Cases journeys in a real browser, on the Namur demo, with axe on every page visited.

Every role that keeps case files logs in with its second factor. The uuids and handles come
from the database the live server shares with the test, never from fixed values.
"""

import csv
import datetime
import io
import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.utils import timezone
from playwright.sync_api import expect

from core.management.commands.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_USERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFICER = "referral@demo.synergie.test"
PARTNER = "partner@demo.synergie.test"
SCHOOL = "school@demo.synergie.test"
JUSTICE = "justice@demo.synergie.test"
DPO = "dpo.namur@demo.synergie.test"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")

# allauth accepts a TOTP code once per user; the tolerance of one period lets a second login
# of the same user within 30 seconds use the next period's code.
_used_codes: set[tuple[str, int]] = set()


@pytest.fixture(autouse=True)
def _fresh_codes():
    _used_codes.clear()  # each test starts with an empty cache, so no code is used yet


def totp_code(email: str) -> str:
    while True:
        now = int(time.time()) // 30
        for counter in (now, now + 1):
            if (email, counter) not in _used_codes:
                _used_codes.add((email, counter))
                return format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))
        time.sleep(30 - time.time() % 30 + 0.5)


def exactly(label):
    """A field's label, with or without the mark of a required field."""
    return re.compile(rf"^{re.escape(label)}( \*)?$")


def log_in(visit, email):
    """Password, then the authenticator code: every role of the Cases module has one."""
    visit.go("/accounts/login/")
    visit.page.get_by_label(re.compile("E-?mail", re.I)).fill(email)
    visit.page.get_by_label(re.compile("Password", re.I)).fill(DEMO_PASSWORD)
    visit.page.get_by_role("main").get_by_role("button", name="Log in").click()
    visit.page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    visit.check()
    visit.page.get_by_label(re.compile(r"^Code", re.I)).fill(totp_code(email))
    visit.page.get_by_role("button", name=re.compile("Sign in|Confirm", re.I)).click()
    expect(visit.page.get_by_role("button", name="Log out")).to_be_visible()


def days_from_today(days):
    return (timezone.localdate() + datetime.timedelta(days)).isoformat()


def log_out(visit):
    visit.page.get_by_role("button", name="Log out").click()
    visit.page.wait_for_url(re.compile(r".*/$"))


def demo_file(email, name):
    """The demo file on the person called `name`, of the user's organisation."""
    from accounts.models import User
    from cases.models import CaseFile

    user = User.objects.get(email=email)
    files = CaseFile.objects.filter(organisation=user.organisation).select_related("person")
    return next(f for f in files if f.person.full_name == name)


SAM = "Sam Exemple (fictif)"


def test_a_school_refers_a_minor_and_the_referral_officer_follows_up(visit):
    from accounts.models import User
    from cases.models import CaseFile, Referral
    from network.models import Organisation, Service

    officer = User.objects.get(email=OFFICER)
    namur = officer.organisation
    school = User.objects.get(email=SCHOOL).organisation
    cpas = User.objects.get(email=PARTNER).organisation
    cohesion = Organisation.objects.get(key="namur-cohesion")
    cpas_service = Service.objects.filter(organisation=cpas).first()
    born = timezone.localdate() - datetime.timedelta(days=14 * 365 + 100)  # 14 years old

    # The school refers a minor to Namur's referral officer.
    log_in(visit, SCHOOL)
    visit.go("/cases/referrals/new/")
    page = visit.page
    page.get_by_label("Referral officer of").select_option(str(namur.pk))
    page.get_by_label("Name of the person").fill("Yanis Essai (fictif)")
    page.get_by_label("Date of birth").fill(born.isoformat())
    page.get_by_label("Municipality").fill("Namur")
    page.get_by_role("group", name="Languages").get_by_label("French").check()
    page.get_by_label("Referred by").select_option("organisation")
    page.get_by_label("Referring organisation").select_option(str(school.pk))
    page.get_by_label("Referring professional").fill("Sofie Enseignante")
    page.get_by_label("Concern, in the referrer's words").fill(
        "Yanis partage en classe des messages de recrutement d'un groupe extrémiste."
    )
    page.get_by_label("Parents or guardian (minors)").select_option("informed")
    page.get_by_role("button", name="Record the referral").click()
    expect(page.locator(".messages")).to_contain_text("The referral is recorded under the handle")
    visit.check()
    referral = Referral.objects.select_related("person").latest("id")
    handle = referral.person.handle
    assert referral.person.is_minor
    expect(page.get_by_role("table", name="Referrals you sent")).to_contain_text(handle)
    log_out(visit)

    # The referral officer takes it from the queue and opens a file.
    log_in(visit, OFFICER)
    visit.go("/cases/referrals/")
    queue = page.get_by_role("table", name="Referrals received by your organisation")
    row = queue.get_by_role("row").filter(has_text=handle)
    expect(row).to_contain_text("Minor")
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(handle)
    expect(page.locator("main")).to_contain_text("Parents or guardian informed")
    visit.check()
    decision = page.get_by_role("group", name=re.compile("^Decision"))
    decision.get_by_label("Accept and open a file").check()
    page.get_by_label("Case manager").select_option(str(officer.pk))
    page.get_by_label(exactly("Note")).fill("Premier entretien avec Yanis et ses parents fixé.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".messages")).to_contain_text("the file is open")
    file = CaseFile.objects.get(person=referral.person, organisation=namur)
    page.wait_for_url(re.compile(f"/cases/{file.uuid}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Minor")
    visit.check()

    # A journal note.
    page.get_by_role("link", name="New journal entry").click()
    visit.check()
    page.get_by_label(exactly("Text")).fill(
        "Yanis est venu seul au premier entretien; calme et ouvert."
    )
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("The journal entry is saved.")
    expect(page.locator("#timeline")).to_contain_text("venu seul au premier entretien")
    visit.check()

    # An evaluation: two spheres of life and the diagnosis.
    page.get_by_role("link", name="New evaluation").click()
    visit.check()
    page.get_by_label("Diagnosis").fill(
        "Jeune en quête d'appartenance, influencé par un groupe en ligne; soutien familial."
    )
    page.get_by_label("Training and employment: Concerns").fill("Absences répétées en classe.")
    page.get_by_label("Social context and family: Protective factors").fill(
        "Parents présents et inquiets."
    )
    page.get_by_role("button", name="Sign and save").click()
    expect(page.locator(".messages")).to_contain_text("The evaluation is signed and saved.")
    expect(page.locator("main")).to_contain_text("Parents présents et inquiets.")
    visit.check()

    # A guidance plan with three goals, each with another partner organisation.
    visit.go(f"/cases/{file.uuid}/")
    page.get_by_role("link", name="Draft a new plan version").click()
    visit.check()
    page.get_by_label("Review on").fill(days_from_today(90))
    goals = [
        ("training", "Retrouver une présence régulière en classe.", school),
        ("psychosocial", "Accompagnement par le CPAS pour la famille.", cpas),
        ("mentor", "Rencontrer un mentor du réseau.", cohesion),
    ]
    for number, (sphere, description, partner) in enumerate(goals, start=1):
        if number > 1:
            page.get_by_role("link", name="Edit the draft").click()
            visit.check()
        goal = page.get_by_role("group", name=f"Goal {number}")
        goal.get_by_label("Sphere of life").select_option(sphere)
        goal.get_by_label(exactly("Goal")).fill(description)
        goal.get_by_label("Responsible partner").select_option(str(partner.pk))
        page.get_by_role("button", name="Save the draft").click()
        expect(page.locator(".messages")).to_contain_text("The draft plan is saved.")
        expect(page.get_by_role("table", name="Goals of the plan")).to_contain_text(description)
        visit.check()
    page.get_by_role("button", name="Approve this plan").click()
    expect(page.locator(".messages")).to_contain_text("The plan is approved.")
    goals_table = page.get_by_role("table", name="Goals of the plan")
    for partner in (school, cpas, cohesion):
        expect(goals_table).to_contain_text(partner.display_name)
    visit.check()

    # A referral to the CPAS's service, sending the name only.
    visit.go(f"/cases/{file.uuid}/")
    page.get_by_role("link", name="Refer to a service").click()
    visit.check()
    page.get_by_label(exactly("Service")).select_option(str(cpas_service.pk))
    page.get_by_label(re.compile(r"^Name:")).check()
    page.get_by_label("Message to the service").fill("Un soutien pour la famille de Yanis.")
    page.get_by_label("Legal basis").select_option("consent")
    # consent for a minor: its reference and how the parents are involved, or it is refused
    page.get_by_role("button", name="Preview what will be sent").click()
    visit.check()
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator(".field-error").first).to_be_visible()
    page.get_by_label(exactly("Consent reference")).fill("Accord signé le 12 novembre")
    page.get_by_label(exactly("Parents or guardian (minors)")).select_option("consented")
    page.get_by_role("button", name="Preview what will be sent").click()
    preview = page.locator("#preview-heading + dl")
    expect(preview).to_contain_text("Yanis Essai (fictif)")
    expect(preview).not_to_contain_text(born.strftime("%Y"))
    visit.check()
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator(".messages")).to_contain_text("The referral is sent to the service.")
    visit.check()
    log_out(visit)

    # The CPAS accepts it.
    log_in(visit, PARTNER)
    visit.go("/cases/incoming/")
    incoming = page.get_by_role("table", name="Referrals to your services")
    incoming.get_by_role("row").filter(has_text=handle).get_by_role("link").click()
    expect(page.locator("main")).to_contain_text("Yanis Essai (fictif)")
    visit.check()
    page.get_by_role("group", name=re.compile("^Answer")).get_by_label("Accepted").check()
    page.get_by_label("Reason or outcome").fill("Premier rendez-vous la semaine prochaine.")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator(".messages")).to_contain_text("Your answer is recorded")
    visit.check()
    # and keeps its own file on Yanis, from the name it was sent: a minor, no date of birth
    page.get_by_role("button", name="Open our own file").click()
    expect(page.locator(".messages")).to_contain_text("you are its case manager")
    person = page.get_by_role("region", name="Person")
    expect(person).to_contain_text("Yanis Essai (fictif)")
    expect(person).to_contain_text("Minor")
    expect(person).to_contain_text("Not recorded")  # no national number
    expect(page.locator("h1")).not_to_contain_text(handle)
    visit.check()
    log_out(visit)

    # Back on the file, the referral officer sees the answer.
    log_in(visit, OFFICER)
    visit.go(f"/cases/{file.uuid}/")
    referral_item = page.locator("#timeline li").filter(has_text="Referral to")
    expect(referral_item).to_contain_text("Accepted")
    expect(referral_item).to_contain_text("Premier rendez-vous la semaine prochaine.")


def test_a_partner_professional_keeps_a_note_and_contributes_to_the_shared_file(visit):
    from accounts.models import User

    namur = User.objects.get(email=OFFICER).organisation
    cpas_file = demo_file(PARTNER, SAM)

    log_in(visit, PARTNER)
    page = visit.page
    visit.go("/cases/")
    files = page.get_by_role("table", name="Case files")
    expect(files).to_contain_text(cpas_file.person.handle)
    expect(files).to_contain_text(SAM)
    for other in ("Lina", "Noah", "Éli"):
        expect(files).not_to_contain_text(other)
    files.get_by_role("link", name=re.compile(cpas_file.person.handle)).click()
    page.wait_for_url(re.compile(f"/cases/{cpas_file.uuid}/$"))
    visit.check()

    page.get_by_role("link", name="New journal entry").click()
    visit.check()
    page.get_by_label("Kind").select_option("contact")
    page.get_by_label(exactly("Text")).fill(
        "Sam a choisi la formation en logistique; inscription faite."
    )
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#timeline")).to_contain_text("inscription faite")
    visit.check()

    page.get_by_role("link", name="Share with partners").click()
    visit.check()
    page.get_by_label("What you share").select_option("summary")
    page.get_by_label("Text shared").fill("Sam est inscrit à une formation en logistique.")
    page.get_by_label("Purpose").fill("Coordonner l'accompagnement vers la formation")
    page.get_by_label("Legal basis").select_option("fwb_decree")
    page.get_by_label("Partner organisations").select_option(str(namur.pk))
    page.get_by_role("button", name="Share this item").click()
    expect(page.locator(".messages")).to_contain_text("shared with the recipients")
    page.wait_for_url(re.compile(f"/cases/{cpas_file.uuid}/shared/$"))
    mine = page.get_by_role("article").filter(has_text="inscrit à une formation en logistique")
    expect(mine).to_contain_text("French Community decree")
    expect(mine).to_contain_text("Coordonner l'accompagnement vers la formation")
    expect(mine).to_contain_text(namur.display_name)
    # what Namur's referral officer shared with the CPAS shows too
    expect(page.locator("main")).to_contain_text("suivi par le référent radicalisme")
    visit.check()


def test_another_organisation_cannot_find_or_open_a_file_and_the_dpo_sees_the_attempt(visit):
    namur_file = demo_file(OFFICER, SAM)
    handle = namur_file.person.handle
    page = visit.page

    log_in(visit, JUSTICE)
    for query in ("Sam Exemple", handle):
        visit.go(f"/cases/?q={query}")
        expect(page.get_by_role("table", name="Case files")).to_contain_text("No file matches.")
    file_url = f"{visit.base}/cases/{namur_file.uuid}/"
    response = page.goto(file_url)
    assert response.status == 404
    expect(page.locator("main")).not_to_contain_text(handle)
    visit.check()
    # Chromium reports the refused page in the console: that 404 is the point, not a fault.
    refused = "console error: Failed to load resource: the server responded with a status of 404"
    assert [p for p in visit.problems if p.startswith(refused)] == [f"{refused} (Not Found)"]
    visit.problems.remove(f"{refused} (Not Found)")
    api = page.request.get(f"{visit.base}/api/v1/cases/files/{namur_file.uuid}")
    assert api.status == 404
    assert handle not in api.text()
    log_out(visit)

    log_in(visit, DPO)
    visit.go(f"/cases/disclosures/?handle={handle}")
    page.get_by_role("link", name=re.compile(handle)).click()
    log = page.get_by_role("table", name="Who saw and did what")
    denied = log.get_by_role("row").filter(has_text="case.file.denied")
    expect(denied).to_have_count(2)  # the page and the API
    expect(denied.first).to_contain_text("Maison de justice de Namur")
    visit.check()


def test_the_dpo_exports_a_persons_disclosure_log(visit):
    handle = demo_file(OFFICER, SAM).person.handle
    page = visit.page

    log_in(visit, DPO)
    visit.go("/cases/disclosures/")
    page.get_by_label("Handle of the person").fill(handle)
    page.get_by_role("button", name="Find").click()
    visit.check()
    page.get_by_role("link", name=re.compile(handle)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(handle)
    expect(page.get_by_role("table", name="Contributions to the shared file")).to_contain_text(
        "Coordonner l'accompagnement vers la formation"
    )
    visit.check()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export for an access request (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"disclosures-{handle}-")
    with open(download.path(), encoding="utf-8") as exported:
        text = exported.read()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["Record", "Date", "Organisation", "Action"]
    assert len(rows) > 10
    assert {"case.file.created", "case.contribution.shared"} <= {row[4] for row in rows[1:]}
    assert not EMAIL.search(text)
    for _email, full_name, _org, _role in DEMO_USERS:
        assert full_name not in text


def test_the_referral_officer_filters_the_case_list_and_a_files_timeline(visit):
    sam = demo_file(OFFICER, SAM)
    noah = demo_file(OFFICER, "Noah Témoin (fictif)")
    eli = demo_file(OFFICER, "Éli Passé (fictif)")
    page = visit.page
    files = page.get_by_role("table", name="Case files")

    log_in(visit, OFFICER)
    visit.go("/cases/")
    for file in (sam, noah, eli):
        expect(files).to_contain_text(file.person.handle)

    page.get_by_label("Status").select_option("closed")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"status=closed"))
    expect(files).to_contain_text(eli.person.handle)
    expect(files).not_to_contain_text(sam.person.handle)
    visit.check()

    # Noah's review is now due last week, and he is before detention.
    visit.go(f"/cases/{noah.uuid}/edit/")
    page.get_by_label("Phase").select_option("before")
    page.get_by_label("Next review").fill(days_from_today(-7))
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("The file is saved.")
    visit.check()

    visit.go("/cases/")
    page.get_by_label("Review overdue").check()
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"overdue_review=on"))
    expect(files.get_by_role("row")).to_have_count(2)  # the header and Noah
    expect(files).to_contain_text(noah.person.handle)
    expect(files).to_contain_text("Review overdue")
    visit.check()

    visit.go("/cases/")
    page.get_by_label("Phase").select_option("before")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"phase=before"))
    expect(files).to_contain_text(noah.person.handle)
    expect(files).not_to_contain_text(sam.person.handle)
    page.get_by_label("Phase").select_option("none")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"phase=none"))
    expect(files).to_contain_text(sam.person.handle)
    expect(files).not_to_contain_text(noah.person.handle)
    visit.check()

    files.get_by_role("link", name=re.compile(sam.person.handle)).click()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Evaluation")
    visit.check()
    journal = timeline.get_by_role("link", name="Journal", exact=True)
    journal.click()  # htmx swaps the timeline and pushes the address
    page.wait_for_url(re.compile(r"\?kind=journal$"))
    expect(journal).to_have_attribute("aria-current", "true")
    expect(timeline).to_contain_text("Premier entretien avec Sam")
    expect(timeline).not_to_contain_text("signed by")
    expect(timeline).not_to_contain_text("Guidance plan, version")
    visit.check()
