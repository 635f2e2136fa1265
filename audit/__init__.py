"""The audit trail: who did what, when. `services.audit_record` is the one way in; `views` is
the /audit/ page for test admins."""
