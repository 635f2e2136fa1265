"""Re-parse: derive every mapped column again from the JSON stored as received, after a mapping
fix or a new alias (AUTOPROCTOR_FIELD_ALIASES), without fetching anything from AutoProctor.

Attempts and evidence records are read in batches of primary keys and written back with one
bulk update per batch, only where a column changes. A field the stored JSON does not carry
under any name keeps its column (e.g. an evidence status learned from the one-attempt call).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from autoproctor.values import Invalid, page_scale, parse_attempt, parse_evidence_record
from proctoring import signals
from proctoring.models import Attempt, EvidenceRecord
from proctoring.sync.evidence import record_values
from proctoring.sync.mapping import unsent_columns
from proctoring.sync.profile import current_profile, profile_forms
from proctoring.sync.results import DATA_FIELDS, attempt_values

# The columns derived from the raw JSON: what the results pass copies, but the JSON itself.
ATTEMPT_COLUMNS = tuple(name for name in DATA_FIELDS if name != "raw")
RECORD_COLUMNS = (
    "label",
    "is_violation",
    "occurred_at",
    "recorded_at",
    "s3_path",
    "data_type",
    "misc",
)
BATCH = 2000


@dataclass
class ReparseReport:
    attempts: int = 0
    attempts_changed: int = 0
    records: int = 0
    records_changed: int = 0
    records_without_raw: int = 0
    changed_columns: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        columns = ", ".join(
            f"{name} {count:,}" for name, count in sorted(self.changed_columns.items())
        )
        lines = [
            f"Attempts re-parsed: {self.attempts:,}; changed: {self.attempts_changed:,}.",
            f"Evidence records re-parsed: {self.records:,}; changed: {self.records_changed:,}.",
            f"Columns changed: {columns or 'none'}.",
        ]
        if self.records_without_raw:
            lines.append(
                f"{self.records_without_raw:,} evidence records were stored before the JSON was "
                "kept as received; they change only when their evidence is fetched again."
            )
        lines += [f"Not re-parsed: {problem}" for problem in self.problems[:20]]
        lines.append("Nothing was fetched from AutoProctor.")
        return lines


def _batches(queryset):
    """Model instances in primary-key batches, so memory stays bounded on any table size."""
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def reparse_all() -> ReparseReport:
    report = ReparseReport()
    reparse_attempts(report)
    reparse_records(report)
    return report


def reparse_attempts(report: ReparseReport) -> None:
    fields = ("pk", "test_attempt_id", "raw", *ATTEMPT_COLUMNS)
    learned_scale = profile_forms(current_profile()).trust_score_scale
    for batch in _batches(Attempt.objects.only(*fields)):
        changed = []
        # The trust scores' scale as the batch tells it, or as the account was learned to use.
        scale = page_scale([attempt.raw for attempt in batch if attempt.raw], learned_scale)
        for attempt in batch:
            report.attempts += 1
            if not attempt.raw:
                continue
            try:
                data = parse_attempt(attempt.raw, fallback_id=attempt.test_attempt_id, scale=scale)
            except Invalid as invalid:
                report.problems.append(
                    f"attempt {attempt.test_attempt_id!r}: {invalid.field}: {invalid.message}"
                )
                continue
            values, kept = attempt_values(data), set(unsent_columns(data))
            columns = [
                name
                for name in ATTEMPT_COLUMNS
                if name not in kept and getattr(attempt, name) != values[name]
            ]
            for name in columns:
                setattr(attempt, name, values[name])
            if columns:
                changed.append(attempt)
                report.changed_columns.update(columns)
        report.attempts_changed += len(changed)
        Attempt.objects.bulk_update(changed, ATTEMPT_COLUMNS, batch_size=500)


def reparse_records(report: ReparseReport) -> None:
    fields = ("pk", "attempt_id", "device", "position", "raw", *RECORD_COLUMNS)
    touched: set[int] = set()
    for batch in _batches(EvidenceRecord.objects.only(*fields)):
        changed = []
        for record in batch:
            report.records += 1
            if not record.raw:
                report.records_without_raw += 1
                continue
            try:
                data = parse_evidence_record(
                    record.raw, device=record.device, position=record.position
                )
            except Invalid as invalid:
                report.problems.append(
                    f"evidence record {record.pk}: {invalid.field}: {invalid.message}"
                )
                continue
            values = record_values(data)
            columns = [name for name in RECORD_COLUMNS if getattr(record, name) != values[name]]
            for name in columns:
                setattr(record, name, values[name])
            if columns:
                changed.append(record)
                touched.add(record.attempt_id)
                report.changed_columns.update(f"evidence {name}" for name in columns)
        report.records_changed += len(changed)
        EvidenceRecord.objects.bulk_update(changed, RECORD_COLUMNS, batch_size=500)
    recount_violations(touched)


def recount_violations(attempt_pks: set[int]) -> None:
    """violation_count follows the records' is_violation."""
    if not attempt_pks:
        return
    signals.announce(signals.evidence_changed, attempt_ids=sorted(attempt_pks))
    violations = (
        EvidenceRecord.objects.filter(attempt=OuterRef("pk"), is_violation=True)
        .values("attempt")
        .annotate(n=Count("pk", filter=Q(is_violation=True)))
        .values("n")
    )
    with transaction.atomic():
        Attempt.objects.filter(pk__in=attempt_pks).update(
            violation_count=Coalesce(Subquery(violations), 0)
        )
