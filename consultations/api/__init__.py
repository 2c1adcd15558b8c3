"""Case consultations of an LIVC-R in the API: meetings, their register and declarations,
the agenda of persons under their handle, each case's contributions, discussion and
actions, the consensus before an information sheet, and the minutes.

Through the same access functions, forms and services as the pages (consultations/access.py
says who sees what): a meeting or case outside the user's sight is a 404 (a case of a
meeting in sight is audited as "consultation.case.denied"), one in sight that the user may
not act on a 403, and the content of a meeting stays closed (403) to an invited participant
until they sign the confidentiality declaration. Input the forms refuse is a 400 with the
errors by field in the request's language, a body that does not fit the schema a 422 (see
config/api.py); a stale `version` is a 409 carrying the current one.

Persons appear by their handle only. Their identity comes only from the identity operation,
to those entitled to it, and each look is audited ("consultation.identity.revealed"). Every
read of a case is audited with the person as subject ("consultation.case.read"), and a
meeting's agenda with one row per person it shows ("consultation.agenda.read"). The
information sheet goes to a police member of the cell with a current TOTP code in the
X-Synergie-OTP header (step-up), watermarked and audited.

The package: `common` (the router and shared helpers), `schemas`, then the endpoints in
`meetings` (cells and meetings, the register and declaration), `agenda` (cases, identity,
discussion, actions, invitations, the consensus and the information sheet) and `minutes`.
"""

from consultations.api.common import router as router

# Each module registers its operations on the router as it is imported: this order is the
# order of the operations in the OpenAPI document (config/openapi.json).
# isort: off
from consultations.api import meetings as meetings
from consultations.api import agenda as agenda
from consultations.api import minutes as minutes
# isort: on
