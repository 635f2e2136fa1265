"""The doctor's report: what each call answered, what the answers looked like, what it learned
about the account's forms (one line each), and a verdict per capability with the fix for each
failure. Plain data, rendered as text lines for the command and the console, and as a dict for
the API profile.

A capability that could not be checked is not a pass: `ok` is True only when every capability
is OK, unless `allow_partial` (the command's --allow-partial) lets NOT CHECKED through."""

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
    # What the client should use from now on: attempt_form, client_id_param, timestamp_unit,
    # signature_encoding, trust_score_scale, listing_has_evidence_status, listing_order, paged
    # (the API profile's fields).
    learned: dict = field(default_factory=dict)
    # One line per form the account uses where the contract is open and it differs from ours.
    learned_lines: list[str] = field(default_factory=list)
    # Items of the first results page that cannot be stored: "field: count (example)".
    problems: list[str] = field(default_factory=list)
    budget: str = ""  # the retries' time budget and what was used of it
    allow_partial: bool = False

    def judge(self, capability: str, ok: bool | None, detail: str, fix: str = "") -> None:
        self.verdicts[capability] = Verdict(capability, ok, detail, fix)

    def learn_line(self, line: str) -> None:
        if line not in self.learned_lines:
            self.learned_lines.append(line)

    @property
    def ok(self) -> bool:
        """Every capability works; with allow_partial, one not checked does not fail."""
        verdicts = [self.verdicts.get(name) for name in CAPABILITIES]
        if any(verdict is None or verdict.ok is False for verdict in verdicts):
            return False
        return self.allow_partial or all(verdict.ok for verdict in verdicts)

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
        if self.problems:
            lines += ["", "Attempts of the first page that cannot be stored:"]
            lines += [f"  {problem}" for problem in self.problems]
        if self.forms:
            lines += ["", "Call forms that work:"]
            lines += [f"  {name}: {value}" for name, value in self.forms.items()]
        if self.learned_lines:
            lines += ["", "Learned (where the contract is open, this account differs):"]
            lines += [f"  learned: {line}" for line in self.learned_lines]
        rate = ", ".join(f"{k}: {v}" for k, v in self.rate_limit_headers.items())
        lines += ["", f"Rate-limit headers seen: {rate or 'none'}"]
        if self.budget:
            lines.append(self.budget)
        lines += ["", "Verdicts:"]
        for capability in CAPABILITIES:
            verdict = self.verdicts.get(capability)
            if verdict is None:
                continue
            word = {True: "OK", False: "FAILED", None: "NOT CHECKED"}[verdict.ok]
            lines.append(f"  {capability}: {word} - {verdict.detail}")
            if verdict.fix:
                lines.append(f"    fix: {verdict.fix}")
        lines += ["", self.conclusion()]
        return lines

    def conclusion(self) -> str:
        verdicts = [self.verdicts.get(name) for name in CAPABILITIES]
        if any(verdict is not None and verdict.ok is False for verdict in verdicts):
            return "Not every call works: fix the FAILED items above, then run the check again."
        if all(verdict is not None and verdict.ok for verdict in verdicts):
            return "Every call works: results and evidence can be synced."
        if self.allow_partial:
            return (
                "Every call checked works; the NOT CHECKED items were let through "
                "(--allow-partial): run the check again once there is something to check them on."
            )
        return (
            "Not every call could be checked (NOT CHECKED above): that is not a pass. Run the "
            "check again once there is something to check them on, or pass --allow-partial."
        )
