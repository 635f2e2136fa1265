"""Where the CPU of a run goes: the benchmark's own process (every thread of it), the simulator's
process and the PostgreSQL backends serving the benchmark's database, read from /proc (Linux).
On 2 shared cores the three compete, so a rate alone does not say whose time it is."""

from __future__ import annotations

import os
import resource
import threading
from contextlib import contextmanager
from pathlib import Path

import psycopg
from django.conf import settings

TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_SECONDS = 0.2


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Backends(threading.Thread):
    """Samples the CPU of the database's backends (other than its own) until stopped."""

    def __init__(self):
        super().__init__(daemon=True)
        options = settings.DATABASES["default"]
        self.connection = psycopg.connect(
            host=options.get("HOST") or None,
            port=options.get("PORT") or None,
            user=options.get("USER") or None,
            password=options.get("PASSWORD") or None,
            dbname=options["NAME"],
            autocommit=True,
        )
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stopping = threading.Event()
        self._sample(first=True)

    def _sample(self, first: bool = False) -> None:
        pids = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
        for (pid,) in pids:
            seconds = process_cpu(pid)
            if seconds:
                self.first.setdefault(pid, seconds if first else 0.0)
                self.last[pid] = seconds

    def run(self) -> None:
        while not self.stopping.wait(SAMPLE_SECONDS):
            self._sample()

    def stop(self) -> float:
        self.stopping.set()
        self.join()
        self._sample()
        self.connection.close()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


class Cpu:
    seconds: tuple[float, float, float] = (0.0, 0.0, 0.0)  # ours, simulator, database


@contextmanager
def cpu_of(simulator_pid: int):
    """`with cpu_of(pid) as cpu: ...` then `cpu.seconds`: (ours, the simulator's, the
    database's) CPU seconds spent inside the block."""
    cpu = Cpu()
    backends = _Backends()
    backends.start()
    ours, simulator = own_cpu(), process_cpu(simulator_pid)
    try:
        yield cpu
    finally:
        ours, simulator = own_cpu() - ours, process_cpu(simulator_pid) - simulator
        cpu.seconds = (ours, simulator, backends.stop())
