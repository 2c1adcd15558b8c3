"""The access matrix of the module: every URL name (pages and API) x persona."""

MATRIX: dict = {}
