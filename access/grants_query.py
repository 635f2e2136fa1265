"""The one query every request makes about its user's grants (access.scopes._read_scopes): the
permissions of each of the user's groups, the groups' test patterns, and the permissions given
to the user directly.

It is written once as SQL from the models' table and column names rather than built with the
ORM on each request: building and compiling the ORM's version (a FilteredRelation over five
joins, and a union) cost about 2 ms of CPU on every page and on every "next" of the review
queue, where twenty reviewers pressing it at once queue behind each other on two cores
(benchmarks/claims.py). Each part is also joined on its own, so the database no longer plans
one join of every permission with every pattern of a group. On PostgreSQL it is planned once
per connection (proctoring.prepared): planning it was most of its time on the database.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from access.models import RoleScope
from proctoring import prepared


@cache
def _sql() -> str:
    quote = connection.ops.quote_name
    user_groups = get_user_model()._meta.get_field("groups")
    user_permissions = get_user_model()._meta.get_field("user_permissions")
    group_permissions = Group._meta.get_field("permissions")
    membership = quote(user_groups.m2m_db_table())
    member = quote(user_groups.m2m_column_name())
    member_group = quote(user_groups.m2m_reverse_name())
    given = quote(group_permissions.m2m_db_table())
    given_group = quote(group_permissions.m2m_column_name())
    given_permission = quote(group_permissions.m2m_reverse_name())
    direct = quote(user_permissions.m2m_db_table())
    direct_user = quote(user_permissions.m2m_column_name())
    direct_permission = quote(user_permissions.m2m_reverse_name())
    permission = quote(Permission._meta.db_table)
    permission_type = quote(Permission._meta.get_field("content_type").column)
    content_type = quote(ContentType._meta.db_table)
    scope = quote(RoleScope._meta.db_table)
    scope_group = quote(RoleScope._meta.get_field("group").column)
    scope_user = quote(RoleScope._meta.get_field("user").column)
    no_id, no_text = "CAST(NULL AS INTEGER)", "CAST(NULL AS VARCHAR(255))"
    return (
        # Each group of the user, with each of its permissions (a row of NULLs for none).
        f"SELECT m.{member_group}, ct.app_label, p.codename, {no_id}, {no_text} "  # noqa: S608 (model metadata)
        f"FROM {membership} m "
        f"LEFT JOIN {given} g ON g.{given_group} = m.{member_group} "
        f"LEFT JOIN {permission} p ON p.id = g.{given_permission} "
        f"LEFT JOIN {content_type} ct ON ct.id = p.{permission_type} "
        f"WHERE m.{member} = %s "
        # The patterns of those groups: the user's own and the groups' shared ones.
        f"UNION ALL SELECT s.{scope_group}, {no_text}, {no_text}, s.{scope_user}, s.pattern "
        f"FROM {scope} s JOIN {membership} m ON m.{member_group} = s.{scope_group} "
        f"WHERE m.{member} = %s AND (s.{scope_user} = %s OR s.{scope_user} IS NULL) "
        # The permissions given to the user directly (no group).
        f"UNION ALL SELECT {no_id}, ct.app_label, p.codename, {no_id}, {no_text} "
        f"FROM {direct} d JOIN {permission} p ON p.id = d.{direct_permission} "
        f"JOIN {content_type} ct ON ct.id = p.{permission_type} "
        f"WHERE d.{direct_user} = %s"
    )


GrantRow = tuple[int | None, str | None, str | None, int | None, str | None]


def grant_rows(user_id: int) -> list[GrantRow]:
    """(group id, app label, codename, scope's user id, pattern) rows for `user_id`: a group's
    permission (no pattern), a group's pattern (no permission), or a permission given directly
    (no group)."""
    with connection.cursor() as cursor:
        prepared.execute(cursor, _sql(), [user_id] * 4)
        return cursor.fetchall()
