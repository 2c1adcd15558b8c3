"""The directory in the API: organisations and services, read by everyone (public
entries) and written by each organisation's editors, with the same forms and services as
the pages; and the HSDS 3.0 open-data datasets.

The package: `common` (the router and shared helpers), `schemas`, then the endpoints in
`directory` (organisations, services, the HSDS datasets, imports from a spreadsheet),
`posts` (posts and their holders, kinds of post, coverage rules and gaps) and `protocols`
(protocols of cooperation: signatories, commitments, yearly reviews).
"""

from network.api.common import router as router

# Each module registers its operations on the router as it is imported: this order is the
# order of the operations in the OpenAPI document (config/openapi.json).
# isort: off
from network.api import directory as directory
from network.api import posts as posts
from network.api import protocols as protocols
# isort: on
