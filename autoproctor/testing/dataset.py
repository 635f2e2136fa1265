"""The simulated tenant's attempts: made from a seed, moved along by the simulator's clock.

Attempts are generated once, newest first, spread over the 30 days before the clock's start, so
a demo looks current. Each attempt follows AutoProctor's life cycle on the simulator's clock:
in progress (no `submitted_at`, no score) → submitted with evidence `"processing"` → evidence
`"processed"` one to four minutes later. A few attempts are still moving through it when the
simulator starts, so the dashboard can be watched catching up.

The first attempts are the awkward cases every test needs, whatever the dataset size (see
`SPECIAL_CASES`); the rest are random with believable frequencies. Evidence is made on demand
per attempt (evidence.py): 500 attempts take milliseconds, 100,000 a couple of seconds.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from autoproctor.testing import evidence, people
from autoproctor.testing.clock import SimClock, iso_utc

MINUTE, DAY = 60.0, 86400.0
SPAN_SECONDS = 30 * DAY
PROCESSING_SECONDS = (60.0, 240.0)  # from submission to evidence "processed"
CREDITS_PER_ATTEMPT, CREDITS_PER_FEATURE = 1, 4
EVIDENCE_CACHE_SIZE = 512

# What the first attempts are, so that even a 30-attempt dataset holds every awkward case.
# Timings are relative to the clock's start: age = how long ago it started, minutes = duration,
# ready_in = seconds until its evidence is processed.
SPECIAL_CASES = {
    0: {"age": 20 * MINUTE, "minutes": 70},  # in progress, submits in 50 minutes
    1: {"age": 6 * MINUTE, "minutes": 45, "candidate": ("Zoë Müller", "zoe.mueller@example.edu")},
    2: {"age": 46 * MINUTE, "minutes": 45.3, "ready_in": 75},  # evidence processed in 75 s
    3: {"age": 31 * MINUTE, "minutes": 29.5, "ready_in": 150, "id": "{prefix}/{n}+retake"},
    4: {"id": "{prefix} #{n} (late)"},
    5: {"id": "李雷-第{n}次", "candidate": ("李雷", "lei.li@example.edu")},
    6: {"violations": 45},  # more violations than kept evidence files
    7: {"unknown_label": True, "violations": 3},
    8: {"features": ["session-recording", "aux-device"]},
    9: {"anonymous": True},  # no user_details, device or lookup_key
    10: {"id": "{prefix}-{n}?x=1&y=%20"},
    11: {"violations": 0, "score": 1.0, "candidate": ("Łukasz Nowak", "lukasz@example.org")},
}
ODD_ID_TEMPLATES = [
    "{prefix}/{n}+retake",
    "{prefix} #{n} (late)",
    "李雷-第{n}次",
    "{prefix}-{n}?x=1&y=%20",
]


@dataclass(slots=True)
class AttemptState:
    """One attempt: what the API sends (`data`) and what drives its evidence and life cycle."""

    index: int
    data: dict
    started: float
    ends: float  # when it is (or was) submitted
    ready: float  # when its evidence is (or was) processed
    score: float
    violations: int
    aux: bool
    unknown_label: bool
    on_timeline: bool = True  # False once a test has set its fields by hand

    @property
    def credits(self) -> int:
        return CREDITS_PER_ATTEMPT + CREDITS_PER_FEATURE * len(self.data.get("features", ()))


class Dataset:
    """The attempts of one tenant, generated from `seed`, anchored at the clock's start."""

    def __init__(self, *, attempts: int, seed: int, client_id: str, clock: SimClock):
        self.seed = seed
        self.client_id = client_id
        self.clock = clock
        self.anchor = clock.started_at
        self._lock = threading.RLock()
        self._rng = random.Random(seed)
        self._states: dict[str, AttemptState] = {}
        self._ids_by_index: list[str] = []
        self._order: list[str] = []  # newest first: the listing order
        self._by_key: dict | None = None  # lookup_key -> ids in listing order, made on demand
        self._events: list = []  # heap of (time, index, "submit" | "ready", test_attempt_id)
        self._evidence: OrderedDict = OrderedDict()  # index -> evidence JSON, least recent first
        self._candidates = [_candidate(self._rng) for _ in range(max(8, attempts // 3))]
        self._initial_count = attempts
        for index in range(attempts):
            self._add(self._generate(index), newest=False)
        used = sum(state.credits for state in self._states.values())
        self.credits_purchased = 500 * math.ceil(used * 1.3 / 500 + 1)
        self._refresh()

    # --- reading -----------------------------------------------------------------------------
    @property
    def attempts(self) -> dict[str, dict]:
        """{test_attempt_id: attempt object exactly as the API sends it now}, newest first."""
        with self._lock:
            self._refresh()
            return {key: dict(self._states[key].data) for key in self._order}

    def get(self, test_attempt_id: str) -> dict | None:
        with self._lock:
            self._refresh()
            state = self._states.get(test_attempt_id)
            return None if state is None else dict(state.data)

    def listing(self, lookup_key: str | None = None) -> list[str]:
        """Attempt ids in listing order (newest first), optionally only one test's."""
        with self._lock:
            if lookup_key is None:
                return self._order
            if self._by_key is None:
                self._by_key = {}
                for test_attempt_id in self._order:
                    key = self._states[test_attempt_id].data["lookup_key"]
                    self._by_key.setdefault(key, []).append(test_attempt_id)
            return self._by_key.get(lookup_key, [])

    def page(self, ids: list[str]) -> list[dict]:
        """Copies of these attempts as the API sends them now (safe to serialise unlocked)."""
        with self._lock:
            self._refresh()
            return [dict(self._states[test_attempt_id].data) for test_attempt_id in ids]

    def index_of(self, test_attempt_id: str) -> int | None:
        state = self._states.get(test_attempt_id)
        return None if state is None else state.index

    def id_at(self, index: int) -> str | None:
        with self._lock:
            return self._ids_by_index[index] if 0 <= index < len(self._ids_by_index) else None

    def evidence_json(self, test_attempt_id: str) -> dict:
        """The attempt's evidence JSON as the API would send it (made on demand, cached)."""
        with self._lock:
            state = self._states[test_attempt_id]
            cached = self._evidence.get(state.index)
            if cached is not None:
                self._evidence.move_to_end(state.index)
                return cached
        made = evidence.build(
            random.Random(f"{self.seed}:{state.index}"),
            index=state.index,
            client_id=self.client_id,
            started=state.started,
            ended=state.ends,
            violations=state.violations,
            aux=state.aux,
            unknown_label=state.unknown_label,
        )
        with self._lock:
            self._evidence[state.index] = made
            while len(self._evidence) > EVIDENCE_CACHE_SIZE:
                self._evidence.popitem(last=False)
        return made

    def evidence_paths(self, test_attempt_id: str) -> set[str]:
        return evidence.file_paths(self.evidence_json(test_attempt_id))

    def usage(self) -> dict:
        """Credit usage consistent with the attempts: 1 each, +4 per enhanced feature."""
        with self._lock:
            by_key: dict = {}
            for state in self._states.values():
                entry = by_key.setdefault(state.data["lookup_key"], [0, 0])
                entry[0] += 1
                entry[1] += state.credits
        used = sum(credits for _, credits in by_key.values())
        keys = sorted(by_key, key=lambda key: (key is None, key or ""))
        return {
            "status": "success",
            "credits_remaining": max(self.credits_purchased - used, 0),
            "credits_used": used,
            "period_start": _date(self.anchor - SPAN_SECONDS),
            "period_end": _date(self.anchor),
            "usage_by_lookup_key": [
                {"lookup_key": key, "attempts": by_key[key][0], "credits": by_key[key][1]}
                for key in keys
            ],
        }

    # --- changing it from tests ----------------------------------------------------------------
    def update(self, test_attempt_id: str, **fields: Any) -> dict:
        """Set fields of an attempt (e.g. a re-scored trust_score). Setting `submitted_at`,
        `trust_score` or `evidence_status` takes the attempt off the clock's timeline, so what
        a test sets stays set."""
        with self._lock:
            self._refresh()
            state = self._states[test_attempt_id]
            if fields.keys() & {"submitted_at", "trust_score", "evidence_status"}:
                state.on_timeline = False
            state.data.update(fields)
            self._by_key = None
            return dict(state.data)

    def add_attempts(self, count: int = 1, **fields: Any) -> list[str]:
        """New attempts, submitted just now with evidence processed; `fields` override any."""
        added = []
        with self._lock:
            self._refresh()
            batch = []
            for offset in range(count):
                state = self._generate(len(self._states) + offset, just_submitted=True)
                if fields:
                    state.data.update(fields)
                    state.on_timeline = False
                batch.append(state)
            # Listed newest first by start time, as the rest of the listing is: the batch goes
            # in oldest first, each new one ahead of the last.
            for state in sorted(batch, key=lambda state: state.data.get("started_at") or ""):
                self._add(state, newest=True)
            added = [state.data["test_attempt_id"] for state in batch]
            if added:
                self._ids_by_index[-len(added) :] = added  # by index, as id_at reads them
            self._by_key = None
        return added

    # --- generation ----------------------------------------------------------------------------
    def _add(self, state: AttemptState, *, newest: bool) -> None:
        test_attempt_id = state.data["test_attempt_id"]
        self._states[test_attempt_id] = state
        self._ids_by_index.append(test_attempt_id)
        if newest:
            self._order.insert(0, test_attempt_id)
        else:
            self._order.append(test_attempt_id)
        now = self.clock.now() if newest else self.anchor
        if state.ends > now:
            heapq.heappush(self._events, (state.ends, state.index, "submit", test_attempt_id))
        if state.ready > now:
            heapq.heappush(self._events, (state.ready, state.index, "ready", test_attempt_id))
        in_progress = state.ends > now
        state.data["submitted_at"] = None if in_progress else iso_utc(state.ends)
        state.data["trust_score"] = None if in_progress else state.score
        state.data["evidence_status"] = "processed" if state.ready <= now else "processing"

    def _refresh(self) -> None:
        now = self.clock.now()
        while self._events and self._events[0][0] <= now:
            _, _, kind, test_attempt_id = heapq.heappop(self._events)
            state = self._states[test_attempt_id]
            if not state.on_timeline:
                continue
            if kind == "submit":
                state.data["submitted_at"] = iso_utc(state.ends)
                state.data["trust_score"] = state.score
            else:
                state.data["evidence_status"] = "processed"

    def _generate(self, index: int, *, just_submitted: bool = False) -> AttemptState:
        """Attempt number `index` of the initial set (0 = newest), or one just submitted."""
        rng = self._rng
        special = {} if just_submitted else SPECIAL_CASES.get(index, {})
        key, prefix, typical_minutes, _ = rng.choices(people.TESTS, cum_weights=_TEST_WEIGHTS)[0]
        minutes = special.get("minutes") or max(5.0, typical_minutes * rng.uniform(0.45, 1.1))
        if just_submitted:
            age = minutes * MINUTE + rng.uniform(5, 60)
            now = self.clock.now()
        else:
            age = special.get("age") or SPAN_SECONDS * (index + rng.random()) / self._initial_count
            now = self.anchor
        started = now - age
        ends = started + minutes * MINUTE
        if "ready_in" in special:
            ready = now + special["ready_in"]
        else:
            ready = ends + rng.uniform(*PROCESSING_SECONDS)
        if just_submitted:
            ready = min(ready, now)

        violations = special.get("violations")
        if violations is None:
            violations = _violation_count(rng)
        score = special.get("score")
        if score is None:
            score = _trust_score(rng, violations)
        features = special.get("features") or _features(rng)
        unknown_label = special.get("unknown_label", False) or (
            violations > 0 and rng.random() < 0.015
        )

        template = special.get("id")
        if template is None and rng.random() < 0.01:
            template = rng.choice(ODD_ID_TEMPLATES)
        test_attempt_id = (template or "{prefix}-{n:06d}").format(prefix=prefix, n=index + 1)

        candidate = rng.choice(self._candidates)
        if "candidate" in special:
            candidate = dict(zip(("name", "email"), special["candidate"], strict=True))
        device = rng.choices(_DEVICE_NAMES, cum_weights=_DEVICE_WEIGHTS)[0]
        anonymous = special.get("anonymous") or rng.random() < 0.01
        data = {
            "test_attempt_id": test_attempt_id,
            "lookup_key": None if anonymous or rng.random() < 0.02 else key,
            "user_details": None if anonymous else dict(candidate),
            "started_at": iso_utc(started),
            "submitted_at": None,
            "trust_score": None,
            "evidence_status": "processing",
            "device": None if anonymous else device,
        }
        if features:
            # Not in the documented attempt object: clients must keep unknown fields in `raw`.
            data["features"] = features
        return AttemptState(
            index=index,
            data=data,
            started=started,
            ends=ends,
            ready=ready,
            score=score,
            violations=violations,
            aux="aux-device" in features,
            unknown_label=unknown_label,
        )


_TEST_WEIGHTS = list(itertools.accumulate(test[3] for test in people.TESTS))
_DEVICE_NAMES = [device for device, _ in people.DEVICES]
_DEVICE_WEIGHTS = list(itertools.accumulate(weight for _, weight in people.DEVICES))


def _candidate(rng: random.Random) -> dict:
    pool = rng.choices(people.NAME_POOLS, weights=people.NAME_POOL_WEIGHTS)[0]
    given, given_ascii = rng.choice(pool["given"])
    family, family_ascii = rng.choice(pool["family"])
    name = f"{family}{pool['joiner']}{given}" if pool.get("family_first") else f"{given} {family}"
    number = rng.randrange(1, 100)
    email = f"{given_ascii}.{family_ascii}{number}@{rng.choice(people.EMAIL_DOMAINS)}"
    return {"name": name, "email": email}


def _violation_count(rng: random.Random) -> int:
    """Most candidates have none or a few; a small tail has dozens."""
    draw = rng.random()
    if draw < 0.42:
        return 0
    if draw < 0.94:
        return 1 + int(rng.expovariate(0.35))
    return 8 + int(rng.expovariate(0.06))


def _trust_score(rng: random.Random, violations: int) -> float:
    """High for clean attempts, falling with the number of violations, with some noise."""
    if violations == 0:
        return round(1.0 - rng.random() * 0.06, 4)
    score = 0.98 * math.exp(-0.06 * violations * rng.uniform(0.6, 1.4)) + rng.gauss(0, 0.015)
    return round(min(max(score, 0.0), 1.0), 4)


def _features(rng: random.Random) -> list[str]:
    if rng.random() >= 0.12:
        return []
    first = rng.choices(people.FEATURES, weights=[3, 4, 2, 1])[0]
    others = [feature for feature in people.FEATURES if feature != first]
    return [first, rng.choice(others)] if rng.random() < 0.3 else [first]


def _date(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).date().isoformat()
