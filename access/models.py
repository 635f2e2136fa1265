"""Scopes: which tests a group's permissions reach, for one member or for all of them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils import timezone

from access.patterns import MAX_PATTERN_LENGTH, validate_pattern


class RoleScope(models.Model):
    """One test pattern limiting what membership of `group` gives.

    With `user` set, the row limits that user's membership (alice is a Proctor on
    `biology-*`); with `user` empty, it limits every member of the group who has no row of their
    own for it (a group "Biology staff" holding the Proctor permissions and the pattern
    `biology-*`). A membership without rows reaches every test. access.scopes reads these.
    """

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="scopes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_scopes",
        help_text="Empty: the pattern applies to every member of the group without one of "
        "their own.",
    )
    pattern = models.CharField(
        max_length=MAX_PATTERN_LENGTH,
        validators=[validate_pattern],
        help_text="Test lookup keys, shell-style: * any characters, ? one character, e.g. "
        "biology-* or ENGB2/*. Case-sensitive.",
    )
    source = models.CharField(
        max_length=32, blank=True, default="", help_text="Who set it: cli, admin, oidc, ..."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "test scope"
        ordering = ["group__name", "pattern"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "group", "pattern"],
                condition=Q(user__isnull=False),
                name="rolescope_unique_per_user",
            ),
            models.UniqueConstraint(
                fields=["group", "pattern"],
                condition=Q(user__isnull=True),
                name="rolescope_unique_per_group",
            ),
        ]
        indexes = [models.Index(fields=["user", "group"], name="rolescope_user_group_idx")]

    def __str__(self) -> str:
        whose = self.user.get_username() if self.user_id else "every member"
        return f"{self.group.name} on {self.pattern} ({whose})"
