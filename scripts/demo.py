"""`make demo`: the AutoProctor simulator, the sync worker and the web server, together.

Starts the simulator, points the product at it, migrates a demo database, creates the schedules
and two demo users, runs a first sync in the foreground (so the first page already has data),
then runs the worker (`qcluster`) and the web server until Ctrl-C, which stops all of them.

The demo database is var/demo.sqlite3 unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CREDENTIAL_LINE = re.compile(r"^(?:export\s+)?(AUTOPROCTOR_[A-Z_]+)=(\S+)\s*$")
NEEDED = ("AUTOPROCTOR_BASE_URL", "AUTOPROCTOR_CLIENT_ID", "AUTOPROCTOR_CLIENT_SECRET")
DEMO_USERS = (
    # username, group, superuser
    ("admin", "Test admin", True),
    # A plain test admin (no superuser powers), so the test admin's own view is seen too.
    ("testadmin", "Test admin", False),
    ("proctor", "Proctor", False),
    # A second proctor, to try reviewing the queue side by side (claims).
    ("proctor2", "Proctor", False),
)
# The demo's log-ins, written where the message printed at start-up says (var/ is ignored by
# git): the worker's log scrolls the printed ones away.
LOGINS_FILE = ROOT / "var" / "demo-logins.txt"


class Stop(Exception):
    """SIGTERM or a child that died: time to stop everything."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # The ports come from the environment too (DEMO_PORT, DEMO_SIMULATOR_PORT), so
    # scripts/demo.py alone moves as easily as `make demo DEMO_PORT=...`; argparse reads a
    # string default with `type`, so a bad value is a usage error, not a traceback.
    parser.add_argument(
        "--port", type=int, default=os.environ.get("DEMO_PORT", "8000"), help="web server port"
    )
    parser.add_argument(
        "--simulator-port", type=int, default=os.environ.get("DEMO_SIMULATOR_PORT", "8001")
    )
    parser.add_argument("--attempts", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--replay", metavar="FILE", help="serve a recorded account's shapes (docs/first-contact.md)"
    )
    options = parser.parse_args()
    if options.replay and not Path(options.replay).is_file():
        parser.error(f"--replay: no file {options.replay}; give the path of a shape recording.")
    replay = ["--replay", str(Path(options.replay).resolve())] if options.replay else []

    env = demo_environment()
    children: list[subprocess.Popen] = []
    signal.signal(signal.SIGTERM, _raise_stop)
    # Ctrl-C works even when the shell started us with SIGINT ignored (in the background).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        simulator = start(
            children,
            env,
            "autoproctor_simulator",
            "--port",
            str(options.simulator_port),
            "--attempts",
            str(options.attempts),
            "--seed",
            str(options.seed),
            *replay,
            capture=True,
        )
        env.update(read_credentials(simulator))
        echo_rest(simulator, "simulator")
        manage(env, "migrate", "--no-input")
        manage(env, "setup_schedules")
        say("First sync (results, evidence, usage) ...")
        if manage(env, "sync_autoproctor", check=False) != 0:
            say("The first sync failed (see above); the worker will try again on schedule.")
        passwords = create_demo_users(env)
        start(children, env, "qcluster")
        start(children, env, "runserver", f"127.0.0.1:{options.port}", "--noreload")
        announce(options.port, passwords, env)
        watch(children)
    except (KeyboardInterrupt, Stop) as reason:
        if str(reason):
            say(str(reason))
    finally:
        stop_all(children)
    return 0


def demo_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["DJANGO_DEBUG"] = "true"
    # The browser talks to runserver directly: no proxy whose headers could be trusted.
    env["DJANGO_BEHIND_PROXY"] = "false"
    env["DJANGO_TRUSTED_PROXIES"] = "0"
    env.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'demo.sqlite3'}")
    # New attempts arrive in the simulator all the time: sync often so they show up soon.
    env.setdefault("SYNC_RESULTS_EVERY_MINUTES", "1")
    env.setdefault("SYNC_USAGE_EVERY_MINUTES", "5")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start(children, env, *command: str, capture: bool = False) -> subprocess.Popen:
    """A manage.py command in a process group of its own, so stopping it stops its children."""
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
        [PYTHON, "manage.py", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE if capture else None,
        text=True,
        start_new_session=True,
    )
    children.append(process)
    return process


def manage(env, *command: str, check: bool = True) -> int:
    command_line = [PYTHON, "manage.py", *command]
    code = subprocess.run(command_line, cwd=ROOT, env=env).returncode  # noqa: S603
    if check and code != 0:
        raise Stop(f"`manage.py {' '.join(command)}` failed (exit status {code}).")
    return code


def read_credentials(simulator: subprocess.Popen, timeout: float = 60.0) -> dict[str, str]:
    """The AUTOPROCTOR_* lines the simulator prints when it is ready."""
    found: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while not all(name in found for name in NEEDED):
        line = simulator.stdout.readline()
        if not line:
            raise Stop("The simulator stopped before it printed its address and credentials.")
        match = CREDENTIAL_LINE.match(line.strip())
        if match:
            found[match.group(1)] = match.group(2)
        else:
            print(f"[simulator] {line.rstrip()}", flush=True)
        if time.monotonic() > deadline:
            raise Stop("The simulator did not print its credentials within a minute.")
    say(f"Simulator running at {found['AUTOPROCTOR_BASE_URL']}")
    return found


def echo_rest(process: subprocess.Popen, name: str) -> None:
    """Keep reading the child's output (so its pipe never fills up) and show it."""

    def pump():
        for line in process.stdout:
            print(f"[{name}] {line.rstrip()}", flush=True)

    threading.Thread(target=pump, daemon=True).start()


def create_demo_users(env) -> dict[str, str]:
    """Create or reset the demo users; new passwords each run, printed once."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connections

    passwords = {}
    for username, group_name, superuser in DEMO_USERS:
        user, _ = get_user_model().objects.get_or_create(username=username)
        password = secrets.token_urlsafe(9)
        user.set_password(password)
        user.is_staff = user.is_superuser = superuser
        user.save()
        # The groups come with their permissions from an access migration; get_or_create
        # only matters on a database where that migration has not run.
        user.groups.add(Group.objects.get_or_create(name=group_name)[0])
        passwords[username] = password
    connections.close_all()
    return passwords


def announce(port: int, passwords: dict[str, str], env) -> None:
    logins = [f"  user {name!r} password {password!r}" for name, password in passwords.items()]
    LOGINS_FILE.parent.mkdir(parents=True, exist_ok=True)
    LOGINS_FILE.write_text(
        f"Dashboard: http://127.0.0.1:{port}/\n" + "\n".join(logins) + "\n", encoding="utf-8"
    )
    LOGINS_FILE.chmod(0o600)
    lines = [
        f"Dashboard: http://127.0.0.1:{port}/",
        *logins,
        f"These log-ins are also in {LOGINS_FILE} (new passwords each run).",
        f"Database: {env['DATABASE_URL']}",
        "The worker syncs every "
        f"{env['SYNC_RESULTS_EVERY_MINUTES']} minute(s). Press Ctrl-C to stop everything.",
    ]
    say("\n".join(lines))


def watch(children) -> None:
    while True:
        for process in children:
            if process.poll() is not None:
                raise Stop(
                    f"`{' '.join(process.args[1:3])}` exited with status {process.returncode}; "
                    "stopping the demo."
                )
        time.sleep(0.5)


def stop_all(children, grace: float = 15.0) -> None:
    """SIGTERM to every child, newest first, so each shuts down in order (qcluster stops its
    own workers); then SIGKILL to whatever is left of each one's process group."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not orphan them
    for process in reversed(children):
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + grace
    for process in reversed(children):
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    if children:
        say("Stopped.")


def _raise_stop(signum, frame):
    raise Stop("")


def say(text: str) -> None:
    print(f"\n== {text}\n", flush=True)


if __name__ == "__main__":
    sys.exit(main())
