"""The AutoProctor simulator in a process of its own, as the real API would be: the sync under
test then shares neither the interpreter lock nor the CPU time accounting with it.

The simulator's clock is frozen at a fixed start, so the data cannot change between a first
sync and a re-sync; the client signs with that same fixed clock (the signature window is one
minute around the server's clock).

Run as `python -m benchmarks.simulated_api --attempts N --seed S`: it prints one JSON line with
the address and credentials and serves until its standard input is closed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from autoproctor import AutoProctorClient


class SimulatedApi:
    """`with SimulatedApi(attempts=100_000) as api: client = api.client()`."""

    def __init__(self, attempts: int, seed: int = 1, latency_ms: float = 0.0):
        self.attempts = attempts
        self.seed = seed
        self.latency_ms = latency_ms
        self.process: subprocess.Popen | None = None
        self.details: dict = {}

    def __enter__(self) -> SimulatedApi:
        command = [sys.executable, "-m", "benchmarks.simulated_api"]
        command += ["--attempts", str(self.attempts), "--seed", str(self.seed)]
        command += ["--latency", str(self.latency_ms)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=10)
            raise RuntimeError("The simulator process stopped before it was ready.")
        self.details = json.loads(line)
        return self

    def __exit__(self, *exc_info) -> None:
        if self.process is None:
            return
        self.process.stdin.close()  # the child serves until its stdin closes
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def client(self, **options) -> AutoProctorClient:
        start = self.details["start_time"]
        return AutoProctorClient(
            base_url=self.details["base_url"],
            client_id=self.details["client_id"],
            client_secret=self.details["client_secret"],
            clock=lambda: start,
            **options,
        )


def serve(attempts: int, seed: int, latency_ms: float = 0.0) -> None:
    from autoproctor.testing import Simulator

    start = float(int(time.time()))
    simulator = Simulator(
        attempts=attempts, seed=seed, start_time=start, freeze_clock=True, latency_ms=latency_ms
    )
    with simulator:
        print(
            json.dumps(
                {
                    "base_url": simulator.base_url,
                    "client_id": simulator.client_id,
                    "client_secret": simulator.client_secret,
                    "start_time": start,
                }
            ),
            flush=True,
        )
        sys.stdin.read()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.0, help="milliseconds per call")
    arguments = parser.parse_args()
    serve(arguments.attempts, arguments.seed, arguments.latency)
