"""Run the AutoProctor API simulator until Ctrl-C, for the demo and for trying the product
without an AutoProctor account.

It prints the three settings that point the dashboard at it, one `NAME=value` per line (the
demo reads them). The secret printed is the simulator's own demo credential, not a real one.
"""

from __future__ import annotations

import logging
import signal
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from autoproctor.testing import DIALECTS, Simulator
from autoproctor.testing.faults import BACKGROUND_KINDS
from autoproctor.testing.replay import ReplayError, load_recording


class Command(BaseCommand):
    help = "Run a simulated AutoProctor API with synthetic data until interrupted."
    requires_system_checks: list = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8001, help="Port (0: any free port).")
        parser.add_argument("--attempts", type=int, default=500, help="Attempts to generate.")
        parser.add_argument("--seed", type=int, default=1, help="Seed of the synthetic data.")
        parser.add_argument("--client-id", help="Client id to accept (default: from the seed).")
        parser.add_argument(
            "--client-secret", help="Client secret to accept (default: from the seed)."
        )
        parser.add_argument(
            "--fault-rate",
            type=float,
            default=0.0,
            help="Share of requests answered with a transient fault (429, 5xx, slow, dropped).",
        )
        parser.add_argument(
            "--dialect",
            action="append",
            choices=DIALECTS,
            default=[],
            help="A way a real account may differ from the assumed contract (repeatable).",
        )
        parser.add_argument(
            "--latency",
            type=float,
            default=0.0,
            metavar="MS",
            help="Delay every answer by MS milliseconds, like a server a round trip away "
            "(concurrent calls wait at the same time).",
        )
        parser.add_argument(
            "--replay",
            metavar="FILE",
            help="Serve the data in the shapes of a recording (autoproctor_doctor --record).",
        )
        parser.add_argument(
            "--public-url", help="Base URL to print, when clients reach the simulator by a name."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["attempts"] < 0:
            raise CommandError("--attempts must be 0 or more.")
        if not 0.0 <= options["fault_rate"] <= 1.0:
            raise CommandError("--fault-rate is a fraction between 0 and 1, e.g. 0.02.")
        replay = self.recording(options)
        simulator = Simulator(
            latency_ms=options["latency"],
            attempts=options["attempts"],
            seed=options["seed"],
            host=options["host"],
            port=options["port"],
            client_id=options["client_id"],
            client_secret=options["client_secret"],
            fault_rate=options["fault_rate"],
            presign_path=settings.AUTOPROCTOR_PRESIGN_PATH,
            usage_headers=tuple(settings.AUTOPROCTOR_USAGE_HEADERS),
            public_url=options["public_url"],
            dialects=options["dialect"],
            replay=replay,
        )
        try:
            simulator.start()
        except OSError as error:
            raise CommandError(
                f"Cannot listen on {options['host']}:{options['port']} ({error.strerror}). "
                "Choose another port with --port."
            ) from None

        if options["verbosity"] >= 2:
            logging.getLogger("autoproctor.testing").setLevel(logging.DEBUG)  # every request
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        self.stdout.write(
            f"AutoProctor API simulator: {options['attempts']} attempts (seed "
            f"{options['seed']}) at {simulator.base_url}"
        )
        self.stdout.write(f"AUTOPROCTOR_BASE_URL={simulator.base_url}")
        self.stdout.write(f"AUTOPROCTOR_CLIENT_ID={simulator.client_id}")
        self.stdout.write(f"AUTOPROCTOR_CLIENT_SECRET={simulator.client_secret}")
        if options["dialect"]:
            self.stdout.write(f"Dialects: {', '.join(options['dialect'])}.")
        if replay is not None:
            self.stdout.write(f"Replaying the shapes recorded in {options['replay']}.")
        if options["fault_rate"]:
            self.stdout.write(
                f"Background faults on {options['fault_rate']:.1%} of requests: "
                f"{', '.join(BACKGROUND_KINDS)}."
            )
        self.stdout.write("Press Ctrl-C to stop.")
        self.stdout.flush()
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            simulator.stop()
        self.stdout.write("Simulator stopped.")

    def recording(self, options: dict[str, Any]) -> dict | None:
        """The recording to replay, read before anything starts; None without --replay."""
        if not options.get("replay"):
            return None
        if options["dialect"]:
            raise CommandError("Use --replay or --dialect, not both: a recording is a dialect.")
        try:
            return load_recording(options["replay"])
        except ReplayError as error:
            raise CommandError(str(error)) from None
