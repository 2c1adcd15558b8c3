"""schemathesis against our own OpenAPI schema, with a low-privilege (read-only) token:
no 5xx, and every documented response matches its schema."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from accounts.roles import Role, sync_role_groups
from accounts.services import create_api_token
from config.wsgi import application
from core.testing import make_item, make_org, make_user
from plans import services
from plans.models import ItemKind, Plan, PlanStatus

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def same_connection():
    """Requests go straight to the WSGI app: keep Django from closing the test's database
    connection at the end of each one (its test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def read_token(db, same_connection):
    sync_role_groups()
    org = make_org("agency-a", "Agency A")
    coordinator = make_user("c@a.test", org, Role.PLAN_COORDINATOR)
    contact = make_user("p@a.test", org, Role.CONTACT_POINT)
    plan = Plan.objects.create(
        slug="plan-a",
        owner=org,
        title={"en": "Plan A"},
        period_start=2017,
        period_end=2019,
        status=PlanStatus.ADOPTED,
    )
    line = make_item(plan, "L1", ItemKind.LINE, None, 1)
    make_item(plan, "1.1", ItemKind.MEASURE, line, 2, measure_type="B", reporting_organisation=org)
    services.open_round(
        plan,
        acting_user=coordinator,
        name="R",
        period="2018",
        deadline=__import__("datetime").date(2099, 1, 1),
    )
    _token, secret = create_api_token(contact, name="fuzz", scope="read")
    return secret


@schema.parametrize()
@hypothesis_settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_it_never_fails_and_matches_its_schema(case, read_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {read_token}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
