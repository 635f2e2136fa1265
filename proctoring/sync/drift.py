"""Drift alarms: notice when AutoProctor's results stop looking like what we map, and say so on
the sync run instead of storing empty columns in silence.

Per batch of attempts (a results page), a mapped field that *every* item lacks, or that every
item sends empty while the same attempts had it filled before, is an alarm; a field read under
an alias, a value read in another form or on another scale than the contract's (a trust score
in percent, epoch times: autoproctor.scales), and a top-level field we do not know, are noted;
a value that fits no known form is an alarm (its attempt could not be stored). The run keeps one
warning per field and kind, with counts: `[{"field", "kind", "count", "alias", "level",
"message"}]`.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from autoproctor.wire import (
    ATTEMPT_FIELDS,
    FIELD_COLUMNS,
    KNOWN_LABELS,
    all_attempt_names,
    names_for,
)
from proctoring.models import Attempt

if TYPE_CHECKING:
    from datetime import datetime

ALARM, NOTE = "alarm", "note"
# Mapped fields whose emptiness on a whole page is checked against the stored attempts.
NULL_CHECKED = {
    "started_at": "started_at",
    "submitted_at": "submitted_at",
    "trust_score": "trust_score",
}
# What a mapped field's absence means, by the first of our columns it fills (FIELD_COLUMNS).
CONSEQUENCES = {
    "submitted_at": "{count} attempts look in progress",
    "started_at": "{count} attempts have no start time",
    "trust_score": "{count} attempts have no trust score and stay out of the review queue",
    "candidate_name": "{count} attempts have no candidate name or email",
    "lookup_key": "{count} attempts belong to no test",
    "device": "{count} attempts have no device",
    "evidence_status": "the evidence pass asks the one-attempt call for {count} attempts instead",
}
# Absent from the listing but coped with: noted, not an alarm.
COPED_WITH = {"evidence_status"}


def consequence(field: str, count: int) -> str:
    return CONSEQUENCES[FIELD_COLUMNS[field][0]].format(count=f"{count:,}")


class DriftWatch:
    def __init__(self, client_id: str):
        self.client_id = client_id
        self.missing: Counter = Counter()
        self.emptied: Counter = Counter()
        self.aliases: Counter = Counter()
        self.unexpected: Counter = Counter()
        self.forms: Counter = Counter()  # (field, form in words) -> attempts
        self.unfit: Counter = Counter()  # field -> attempts not stored for it
        self.unfit_example: dict[str, str] = {}

    def observe_problems(self, problems: list) -> None:
        """The ParseProblems of one page: attempts left out for a value that fits no form."""
        for problem in problems:
            if problem.field == "(item)":  # not an attempt object at all: the run's summary
                continue
            self.unfit[problem.field] += 1
            self.unfit_example.setdefault(problem.field, str(problem))

    def observe(self, attempts: list) -> None:
        """One batch of AttemptData, as a results page brought it."""
        if not attempts:
            return
        for name in ATTEMPT_FIELDS:
            if name != "test_attempt_id" and all(name in data.absent for data in attempts):
                self.missing[name] += len(attempts)
        for data in attempts:
            self.aliases.update(data.aliases_used)
            self.forms.update(data.forms)
        known = all_attempt_names()
        for data in attempts:
            self.unexpected.update(key for key in data.raw if key not in known)
        self._check_emptied(attempts)

    def _check_emptied(self, attempts: list) -> None:
        for name in NULL_CHECKED:
            sent_empty = [
                data.test_attempt_id
                for data in attempts
                if name not in data.absent and getattr(data, name) is None
            ]
            if not sent_empty or len(sent_empty) < len(attempts):
                continue
            filled_before = Attempt.objects.filter(
                client_id=self.client_id,
                test_attempt_id__in=sent_empty,
                **{f"{name}__isnull": False},
            ).count()
            if filled_before:
                self.emptied[name] += filled_before

    def warnings(self) -> list[dict]:
        found = []
        for name, count in self.missing.items():
            found.append(
                {
                    "field": name,
                    "kind": "missing",
                    "count": count,
                    "level": NOTE if FIELD_COLUMNS[name][0] in COPED_WITH else ALARM,
                    "message": f"AutoProctor's results no longer carry `{name}` (nor "
                    f"{', '.join(f'`{n}`' for n in names_for(name)[1:]) or 'an alias'}): "
                    f"{consequence(name, count)}.",
                }
            )
        for name, count in self.emptied.items():
            found.append(
                {
                    "field": name,
                    "kind": "emptied",
                    "count": count,
                    "level": ALARM,
                    "message": f"AutoProctor's results now send `{name}` empty for attempts "
                    f"that had one: {consequence(name, count)}. The JSON is stored as received; "
                    "check with AutoProctor support.",
                }
            )
        for (name, alias), count in self.aliases.items():
            found.append(
                {
                    "field": name,
                    "kind": "alias",
                    "alias": alias,
                    "count": count,
                    "level": NOTE,
                    "message": f"`{name}` was read as `{alias}` ({count:,} attempts).",
                }
            )
        for (name, form), count in self.forms.items():
            found.append(
                {
                    "field": name,
                    "kind": "form",
                    "form": form,
                    "count": count,
                    "level": NOTE,
                    "message": f"`{name}` arrives in {form} ({count:,} attempts).",
                }
            )
        for name, count in self.unfit.items():
            found.append(
                {
                    "field": name,
                    "kind": "unfit",
                    "count": count,
                    "level": ALARM,
                    "message": f"`{name}` of {count:,} attempts fits no known form, so they were "
                    f"not stored (e.g. {self.unfit_example[name]}). Their JSON is as AutoProctor "
                    "sent it: run `python manage.py autoproctor_doctor` to see the form, and "
                    "tell AutoProctor support if it is theirs.",
                }
            )
        for key, count in self.unexpected.items():
            found.append(
                {
                    "field": key,
                    "kind": "unexpected",
                    "count": count,
                    "level": NOTE,
                    "message": f"New field `{key}` in AutoProctor's results ({count:,} "
                    "attempts); kept in each attempt's raw JSON. If it is one we map under "
                    "another name, add it to AUTOPROCTOR_FIELD_ALIASES and run "
                    "`python manage.py reparse_autoproctor`.",
                }
            )
        return found


def alarms(warnings: list[dict]) -> list[dict]:
    return [warning for warning in warnings or [] if warning.get("level") == ALARM]


def label_warnings(since: datetime) -> list[dict]:
    """A note per evidence label we do not know, among the records stored since `since`."""
    from django.db.models import Count

    from proctoring.models import EvidenceRecord

    new_labels = (
        EvidenceRecord.objects.filter(attempt__evidence_fetched_at__gte=since)
        .exclude(label__in=KNOWN_LABELS)
        .values("label")
        .annotate(count=Count("pk"))
        .order_by("label")
    )
    return [
        {
            "field": row["label"],
            "kind": "label",
            "count": row["count"],
            "level": NOTE,
            "message": f"New evidence label `{row['label']}` ({row['count']:,} records); stored "
            "and shown under its own name.",
        }
        for row in new_labels
    ]


def latest_warnings() -> list[dict]:
    """The warnings of the latest results and evidence runs that did run (a skipped one saw
    nothing)."""
    from proctoring.models import SyncRun

    found = []
    for kind in (SyncRun.Kind.RESULTS, SyncRun.Kind.EVIDENCE):
        run = (
            SyncRun.objects.filter(kind=kind)
            .exclude(status=SyncRun.Status.SKIPPED)
            .order_by("-started_at", "-pk")
            .only("warnings")
            .first()
        )
        found += list(run.warnings or []) if run else []
    return found
