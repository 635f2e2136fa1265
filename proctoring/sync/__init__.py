"""Sync services: copy AutoProctor's data into our models, one stage per module.

    sync_results(client=None) -> SyncRun             results pages -> bulk upsert of Attempt
    sync_evidence(client=None, workers=None) -> SyncRun  evidence of processed attempts
    sync_usage(client=None) -> SyncRun               one UsageSnapshot
    evidence_url(record, client=None) -> str         cached presigned URL, refreshed near expiry
    run_full_pass(client=None) -> list[SyncRun]      results, evidence, usage; stops at a failure

Every stage is safe to run again and alongside another pass: rows are upserted by their natural
key, work is claimed atomically, and a failure is recorded where it happened.
"""

from proctoring.sync.evidence import sync_evidence
from proctoring.sync.pipeline import STAGES, run_full_pass
from proctoring.sync.presign import NoEvidenceFile, evidence_url
from proctoring.sync.results import sync_results
from proctoring.sync.usage import sync_usage

__all__ = [
    "STAGES",
    "NoEvidenceFile",
    "evidence_url",
    "run_full_pass",
    "sync_evidence",
    "sync_results",
    "sync_usage",
]
