"""Build a database as the release before the apps split left it, migrate it forward, report.

Run as `python -m tests.migrate_from_main` with DATABASE_URL naming a new, empty database (and
DJANGO_SETTINGS_MODULE=tests.settings). It migrates with that release's dashboard migrations
(tests/main_migrations), stores an attempt, a verdict, a note, a dismissal, an audit event, a
user in each role and a user with a permission of their own, then migrates with today's
migrations and prints what survived as one JSON object for tests/test_migrations_from_main.py.
"""

import json
import sys

import django
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.utils import timezone

# The last migration of each app in that release; the apps it did not have yet are left out.
MAIN_LEAVES = [
    ("contenttypes", "0002_remove_content_type_name"),
    ("auth", "0012_alter_user_first_name_max_length"),
    ("admin", "0003_logentry_add_action_flag_choices"),
    ("sessions", "0001_initial"),
    ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ("proctoring", "0004_attempt_index_cleanup"),
    ("dashboard", "0006_violations_trust_index"),
]
NEW_APPS = {"access", "audit", "review"}


def migrate_as_main() -> None:
    with override_settings(MIGRATION_MODULES={"dashboard": "tests.main_migrations.dashboard"}):
        executor = MigrationExecutor(connection)
        # That release's order: the list's indexes (dashboard 0002) before proctoring 0004.
        executor.migrate(
            [("proctoring", "0003_review"), ("dashboard", "0002_attempt_list_indexes")]
        )  # noqa: E501
        executor.loader.build_graph()
        executor.migrate(MAIN_LEAVES)
        store_rows(executor.loader.project_state(MAIN_LEAVES).apps)


def store_rows(apps) -> None:
    """Rows of every kind the split moves, written through that release's models."""
    now = timezone.now()
    user_model = apps.get_model("auth", "User")
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    attempt = apps.get_model("proctoring", "Attempt").objects.create(
        client_id="client", test_attempt_id="attempt-1", trust_score=0.4, raw={}
    )
    alice = user_model.objects.create(username="alice")
    alice.groups.add(group_model.objects.get(name="Test admin"))
    bob = user_model.objects.create(username="bob")
    bob.groups.add(group_model.objects.get(name="Proctor"))
    carol = user_model.objects.create(username="carol")
    carol.user_permissions.add(
        permission_model.objects.get(
            content_type__app_label="proctoring", codename="review_attempts"
        )
    )
    change = apps.get_model("proctoring", "VerdictChange").objects.create(
        attempt=attempt, verdict="suspicious", reason="Looks off", reviewer=alice,
        reviewer_name="alice", at=now,
    )  # fmt: skip
    apps.get_model("proctoring", "ReviewState").objects.create(
        attempt=attempt, verdict="suspicious", reviewed_by=alice, reviewer_name="alice",
        reviewed_at=now, reason="Looks off", latest_change=change,
    )  # fmt: skip
    apps.get_model("proctoring", "ReviewNote").objects.create(
        attempt=attempt, text="Second screen?", author=bob, author_name="bob", at=now
    )
    apps.get_model("proctoring", "EvidenceDismissal").objects.create(
        attempt=attempt, label="calculator", reason="Allowed", dismissed_by_name="alice"
    )
    apps.get_model("dashboard", "AuditEvent").objects.create(
        user=alice, username="alice", action="verdict.set", attempt=attempt, summary="Suspicious"
    )


def migrate_to_today() -> dict:
    executor = MigrationExecutor(connection)
    executor.loader.check_consistent_history(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    return report()


def report() -> dict:
    from django.contrib.auth.models import Group, User
    from django.contrib.contenttypes.models import ContentType

    from audit.models import AuditEvent
    from review.models import EvidenceDismissal, ReviewNote, ReviewState, VerdictChange

    def granted(group):
        return sorted(
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        )

    with connection.cursor() as cursor:
        indexes = set(connection.introspection.get_constraints(cursor, "proctoring_attempt"))
    state = ReviewState.objects.get()
    return {
        "verdict_changes": list(VerdictChange.objects.values_list("verdict", "reviewer_name")),
        "review_state": [state.verdict, state.reviewed_by.username, state.latest_change.reason],
        "notes": list(ReviewNote.objects.values_list("text", "author__username")),
        "dismissals": list(EvidenceDismissal.objects.values_list("label", "reason")),
        "audit_events": list(AuditEvent.objects.values_list("action", "user__username")),
        "groups": {group.name: granted(group) for group in Group.objects.all()},
        "user_permissions": {
            user.username: sorted(user.get_all_permissions()) for user in User.objects.all()
        },
        "content_types": sorted(
            f"{ct.app_label}.{ct.model}"
            for ct in ContentType.objects.filter(
                model__in=["auditevent", "verdictchange", "reviewstate", "reviewnote"]
            )
        ),
        "list_indexes": sorted(name for name in indexes if name.startswith("dash_")),
    }


def main() -> int:
    django.setup()
    migrate_as_main()
    print(json.dumps(migrate_to_today()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
