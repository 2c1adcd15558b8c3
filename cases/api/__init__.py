"""Cases in the API: a user's case files and everything the pages do with them — team,
timeline, journal, evaluations, guidance plans, judges' conditions, documents, the shared
file, referral intake, closed-loop referrals to services, handovers, break-glass — and the
DPO's disclosure log of a person and review of break-glass uses.

Through the same access functions, forms and services as the pages: a file outside the
user's cases is a 404 (and the attempt is audited as "case.file.denied"), a file in sight
that the user may not act on a 403; input the forms refuse is a 400 with the errors by
field in the request's language, a body that does not fit the schema a 422 (see
config/api.py); a stale `version` is a 409 carrying the current one. Nothing is scored.

Every read writes its audit row: loading a file records the endpoint's action
("case.file.viewed", "case.journal.listed"…, or "case.file.accessed" when the file is only
loaded to act on it, the act itself being recorded by the service); a list records one
row per person it returned. Revealing a national number, exporting a file and break-glass
need a current TOTP code in the X-Synergie-OTP header (step-up).

The package: `common` (the router and shared helpers), `file_schemas` and `sharing_schemas`,
then the endpoints in `files` (files, team, timeline), `content` (journal, evaluations,
guidance plans, conditions, documents), `sharing` (shared file, referral intake, referrals
to services, handovers) and `oversight` (break-glass, the DPO's disclosure log).
"""

from cases.api.common import router as router

# Each module registers its operations on the router as it is imported: this order is the
# order of the operations in the OpenAPI document (config/openapi.json).
# isort: off
from cases.api import files as files
from cases.api import content as content
from cases.api import sharing as sharing
from cases.api import oversight as oversight
# isort: on
