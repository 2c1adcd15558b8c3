# The audit trail is read through its own page (audit:search), scoped to the DPO's
# organisation; it is deliberately not registered in the admin.
