"""Load the demo: the Flemish action plan, the Namur network, one user per role.

Idempotent: run it as often as you like. Persons and cases are fictional.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone, translation

from accounts.models import User
from accounts.roles import PERSONAL_DATA_ROLES, Role, sync_role_groups
from cases.demo import ensure_organisations, load_cases
from consultations.demo import load_consultations
from figures.demo import load_feeds
from network.demo import load_directory, load_posts, load_protocol
from plans import services as plan_services
from plans.importer import load_plan_document
from plans.models import Indicator, PlanItem, ReportingRound
from platforms.demo import load_platforms
from retention.demo import load_retention

DEMO_PLAN = Path(__file__).resolve().parents[3] / "plans" / "demo" / "flemish_action_plan.json"
DEMO_PASSWORD = "synergie-demo-2026"  # noqa: S105 - demo only, printed on purpose
# Base32 TOTP secret shared by the demo accounts that need a second factor; add it to an
# authenticator app (or compute codes with `oathtool --totp -b`).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105

# (e-mail, full name, organisation key, role)
DEMO_USERS = [
    ("coordinator@demo.synergie.test", "An Coördinator", "KB", Role.PLAN_COORDINATOR),
    ("contact.kb@demo.synergie.test", "Bart Kanselarij", "KB", Role.CONTACT_POINT),
    ("contact.ov@demo.synergie.test", "Charlotte Onderwijs", "OV", Role.CONTACT_POINT),
    ("contact.wvg@demo.synergie.test", "Dirk Welzijn", "WVG", Role.CONTACT_POINT),
    ("contact.cjsm@demo.synergie.test", "Eva Jeugd", "CJSM", Role.CONTACT_POINT),
    ("contact.wse@demo.synergie.test", "Filip Werk", "WSE", Role.CONTACT_POINT),
    ("municipal@demo.synergie.test", "Gaëlle Cohésion", "namur", Role.MUNICIPAL_COORDINATOR),
    ("referral@demo.synergie.test", "Hugo Référent", "namur", Role.REFERRAL_OFFICER),
    ("partner@demo.synergie.test", "Inès Partenaire", "cpas-namur", Role.PARTNER_PROFESSIONAL),
    ("livc@demo.synergie.test", "Jean Police", "namur-police", Role.LIVC_MEMBER),
    ("reference@demo.synergie.test", "Karin Referent", "WVG", Role.REFERENCE_PERSON),
    ("helpdesk@demo.synergie.test", "Lotte Luisterlijn", "de-keerkring", Role.HELPDESK_COUNSELLOR),
    ("applicant@demo.synergie.test", "Mehdi Projet", "arktos", Role.APPLICANT),
    ("reviewer@demo.synergie.test", "Nora Expert", "VVI", Role.REVIEWER),
    ("trainer@demo.synergie.test", "Olivier Vorming", "VVSG", Role.TRAINER),
    ("dpo@demo.synergie.test", "Paula Privacy", "KB", Role.DPO),
    ("editor@demo.synergie.test", "Quentin Annuaire", "namur-cohesion", Role.DIRECTORY_EDITOR),
    (
        "school@demo.synergie.test",
        "Sofie Enseignante",
        "ecole-confluent",
        Role.PARTNER_PROFESSIONAL,
    ),
    (
        "justice@demo.synergie.test",
        "Tom Justice",
        "maison-justice-namur",
        Role.PARTNER_PROFESSIONAL,
    ),
    ("dpo.namur@demo.synergie.test", "Régine Vie-Privée", "namur", Role.DPO),
    # the mayor's representative in Namur's LIVC-R, who chairs its case consultations
    ("rose.mandat@demo.synergie.test", "Rose Mandat", "namur", Role.LIVC_MEMBER),
]

DEMO_INDICATORS = {
    "4.1": [
        {
            "name": {
                "nl": "Gemeenten met ondersteuning",
                "fr": "Communes soutenues",
                "de": "Unterstützte Gemeinden",
                "en": "Municipalities supported",
            },
            "unit": "",
            "baseline": 0,
            "baseline_year": 2016,
            "target": 9,
            "target_year": 2018,
        }
    ],
    "8.1": [
        {
            "name": {
                "nl": "Opgeleide eerstelijnswerkers",
                "fr": "Intervenants de première ligne formés",
                "de": "Geschulte Fachkräfte der ersten Linie",
                "en": "First-line workers trained",
            },
            "unit": "",
            "baseline": 0,
            "baseline_year": 2016,
            "target": 2000,
            "target_year": 2019,
        }
    ],
}


class Command(BaseCommand):
    help = "Load (or refresh) the demo data and print the demo logins."

    def handle(self, *args, **options):
        sync_role_groups()
        with transaction.atomic():
            plan = load_plan_document(json.loads(DEMO_PLAN.read_text(encoding="utf-8")))
            load_directory()
            ensure_organisations()
            users = {
                email: self._user(email, name, org, role) for email, name, org, role in DEMO_USERS
            }
            self._indicators(plan)
            load_posts()
            load_platforms()
            load_protocol()
            load_cases()
            load_consultations()
            load_retention()
            load_feeds()
        self._sample_round(plan, users)
        self._print_logins()

    def _user(self, email, full_name, org_key, role) -> User:
        from network.models import Organisation

        org = Organisation.objects.get(key=org_key)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=DEMO_PASSWORD, full_name=full_name, organisation=org
            )
        user.groups.set([Group.objects.get(name=role)])
        if (
            role in PERSONAL_DATA_ROLES
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            TOTP.activate(user, DEMO_TOTP_SECRET)
        return user

    def _indicators(self, plan) -> None:
        for code, indicators in DEMO_INDICATORS.items():
            item = PlanItem.objects.get(plan=plan, code=code)
            for position, data in enumerate(indicators):
                Indicator.objects.update_or_create(
                    item=item,
                    position=position,
                    defaults={
                        **data,
                        "baseline": Decimal(str(data["baseline"])),
                        "target": Decimal(str(data["target"])),
                    },
                )

    def _sample_round(self, plan, users) -> None:
        """One round with a few published updates, so history and dashboard show something."""
        if ReportingRound.objects.filter(plan=plan, name="Voortgang 2018").exists():
            return
        coordinator = users["coordinator@demo.synergie.test"]
        rnd = plan_services.open_round(
            plan,
            acting_user=coordinator,
            name="Voortgang 2018",
            period="2018",
            deadline=timezone.localdate() + datetime.timedelta(days=30),
        )
        samples = [
            (
                "1.1",
                "contact.kb@demo.synergie.test",
                "in_progress",
                60,
                "Het platform kwam viermaal samen; alle beleidsdomeinen waren vertegenwoordigd.",
            ),
            (
                "4.1",
                "contact.kb@demo.synergie.test",
                "in_progress",
                50,
                "De negen gemeenten ontvingen hun jaarlijkse subsidie.",
            ),
            (
                "5.4",
                "contact.ov@demo.synergie.test",
                "completed",
                100,
                "Het netwerk van islamexperten is uitgebreid en bekendgemaakt.",
            ),
        ]
        for code, email, status, percent, narrative in samples:
            update = rnd.updates.get(item__code=code)
            reporter = users[email]
            if update.item.reporting_organisation_id != reporter.organisation_id:
                continue
            update = plan_services.save_update(
                update,
                {
                    "status": status,
                    "percent": percent,
                    "narrative": narrative,
                    "evidence_links": "",
                    "indicator_values": {},
                },
                acting_user=reporter,
                expected_version=update.version,
                submit=True,
            )
            if code != "1.1":
                plan_services.publish_update(update, acting_user=coordinator)

    def _print_logins(self) -> None:
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS("Synergie demo data is loaded."))
        out.write(f"Every demo account uses the password: {DEMO_PASSWORD}")
        out.write(
            "Accounts marked * need a second factor: add this TOTP secret to an "
            f"authenticator app: {DEMO_TOTP_SECRET}"
        )
        out.write("")
        with translation.override("en"):
            labels = [str(Role(role).label) for _e, _n, _o, role in DEMO_USERS]
        width = max(len(label) for label in labels) + 2
        for (email, _name, org, role), label in zip(DEMO_USERS, labels, strict=True):
            star = "*" if role in PERSONAL_DATA_ROLES else " "
            out.write(f" {star} {label:<{width}}{email:<36} ({org})")
        out.write("")
