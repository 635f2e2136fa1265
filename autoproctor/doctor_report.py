"""The doctor's report: what each call answered, what the answers looked like, and a verdict per
capability with the fix for each failure. Plain data, rendered as text lines for the command
and the console, and as a dict for the API profile."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

RESULTS, REPORT, EVIDENCE, PRESIGNED, USAGE = (
    "results",
    "report",
    "evidence",
    "presigned files",
    "usage",
)
CAPABILITIES = (RESULTS, REPORT, EVIDENCE, PRESIGNED, USAGE)
# The capabilities a sync cannot do without: the doctor's exit status depends on these.
ESSENTIAL = (RESULTS, EVIDENCE)


@dataclass
class Probe:
    """One HTTP call the doctor made."""

    call: str  # e.g. "attempt: hashed id in the path, clientId"
    status: int | None
    ms: float
    note: str = ""


@dataclass
class Verdict:
    capability: str
    ok: bool | None  # None: could not be checked
    detail: str
    fix: str = ""


@dataclass
class DoctorReport:
    base_url: str
    probes: list[Probe] = field(default_factory=list)
    paging: dict = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    unexpected_fields: list[str] = field(default_factory=list)
    rate_limit_headers: dict[str, str] = field(default_factory=dict)
    forms: dict = field(default_factory=dict)
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    # What the client should use from now on: attempt_form, client_id_param,
    # listing_has_evidence_status, listing_order, paged (the API profile's fields).
    learned: dict = field(default_factory=dict)

    def judge(self, capability: str, ok: bool | None, detail: str, fix: str = "") -> None:
        self.verdicts[capability] = Verdict(capability, ok, detail, fix)

    @property
    def ok(self) -> bool:
        """Results and evidence work (evidence that could not be checked does not fail)."""
        results, evidence = (self.verdicts.get(name) for name in ESSENTIAL)
        return bool(results and results.ok) and bool(evidence and evidence.ok is not False)

    def as_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        lines = [f"AutoProctor API check of {self.base_url}", "", "Calls:"]
        for probe in self.probes:
            status = probe.status if probe.status is not None else "no answer"
            note = f" - {probe.note}" if probe.note else ""
            lines.append(f"  {probe.call}: {status} in {probe.ms:.0f} ms{note}")
        if self.paging:
            lines += ["", "Results listing:"]
            lines += [f"  {name}: {value}" for name, value in self.paging.items()]
        if self.fields:
            lines += ["", "Attempt fields:"]
            lines += [f"  {name}: {state}" for name, state in self.fields.items()]
        if self.unexpected_fields:
            lines.append(f"  unexpected fields seen: {', '.join(self.unexpected_fields)}")
        if self.forms:
            lines += ["", "Call forms that work:"]
            lines += [f"  {name}: {value}" for name, value in self.forms.items()]
        rate = ", ".join(f"{k}: {v}" for k, v in self.rate_limit_headers.items())
        lines += ["", f"Rate-limit headers seen: {rate or 'none'}", "", "Verdicts:"]
        for capability in CAPABILITIES:
            verdict = self.verdicts.get(capability)
            if verdict is None:
                continue
            word = {True: "OK", False: "FAILED", None: "NOT CHECKED"}[verdict.ok]
            lines.append(f"  {capability}: {word} - {verdict.detail}")
            if verdict.fix:
                lines.append(f"    fix: {verdict.fix}")
        lines += [
            "",
            "Results and evidence work: the sync can run."
            if self.ok
            else "Results or evidence do not work: fix the FAILED items above, then run the "
            "check again.",
        ]
        return lines
