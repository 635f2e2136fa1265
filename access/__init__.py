"""Roles and access: the groups and their permissions (`roles`, `grant_role`), and the checks
every view makes (`permissions`)."""
