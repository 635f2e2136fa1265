"""docker-compose.yml, the Dockerfile and .env.example agree with the code they deploy.

No Docker engine runs where the tests run, so these checks are the proof: every command a
container runs exists, every variable it sets is one the settings read, every service has a
health check, the worker can be scaled, and the image builds the way settings expect.
"""

import importlib
import importlib.util
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

from tests.integration.services import build_image_layout
from tests.integration.services import dockerfile_stages as parse_dockerfile
from tests.support_settings import settings_variable_names

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker")
# Read by docker compose itself (interpolated into docker-compose.yml), not by the settings.
COMPOSE_VARIABLES = {"POSTGRES_PASSWORD"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile_stages() -> list[dict]:
    return parse_dockerfile()


def command_lines(command) -> list[list[str]]:
    """A compose command as the argument lists it runs; `sh -c "a && b"` is two of them."""
    args = shlex.split(command) if isinstance(command, str) else list(command)
    if args[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in args[2].split("&&")]
    return [args]


def assert_runnable(args: list[str]) -> None:
    """The command exists in the image: a manage.py command, gunicorn's app, or a module."""
    if args[:2] == ["python", "manage.py"]:
        assert args[2] in get_commands(), f"manage.py {args[2]} is not a command of the project"
    elif args[0] == "gunicorn":
        module_name, _, attribute = args[1].partition(":")
        assert callable(getattr(importlib.import_module(module_name), attribute))
    elif args[:2] == ["python", "-m"]:
        assert importlib.util.find_spec(args[2]) is not None, f"no module {args[2]}"
    else:
        pytest.fail(f"Unrecognised command in docker-compose.yml: {args}")


# --- docker-compose.yml -------------------------------------------------------------------


def test_compose_runs_postgresql_redis_a_migration_the_web_server_and_workers(compose):
    assert set(compose["services"]) == {"db", "redis", "migrate", "web", "worker"}
    postgres_version = int(compose["services"]["db"]["image"].split(":")[1].split(".")[0])
    assert postgres_version >= 15
    assert any(
        volume.endswith(":/var/lib/postgresql/data")
        for volume in compose["services"]["db"]["volumes"]
    )


def test_every_command_a_container_runs_is_a_real_command_of_the_project(compose):
    for name in APP_SERVICES:
        service = compose["services"][name]
        for args in command_lines(service["command"]):
            assert_runnable(args)
        if "healthcheck" in service:
            test = service["healthcheck"]["test"]
            assert test[0] == "CMD"
            assert_runnable(test[1:])


def test_the_migration_step_migrates_then_declares_the_schedules(compose):
    steps = command_lines(compose["services"]["migrate"]["command"])

    assert [args[:3] for args in steps] == [
        ["python", "manage.py", "migrate"],
        ["python", "manage.py", "setup_schedules"],
    ]


def test_web_and_workers_wait_for_the_migration_to_succeed(compose):
    for name in ("web", "worker"):
        depends_on = compose["services"][name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    assert compose["services"]["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert compose["services"]["migrate"]["restart"] == "no"


def test_every_long_running_service_has_a_health_check(compose):
    for name, service in compose["services"].items():
        if name != "migrate":
            assert service["healthcheck"]["test"], f"{name} has no health check"


def test_the_worker_can_be_scaled_to_many_containers(compose):
    worker = compose["services"]["worker"]

    assert "container_name" not in worker
    assert "ports" not in worker
    assert worker["command"] == ["python", "manage.py", "qcluster"]
    assert "deploy" not in worker or "replicas" not in worker["deploy"]


def test_web_serves_with_gunicorn_on_a_port_only_the_host_reaches(compose):
    web = compose["services"]["web"]

    assert web["command"][:2] == ["gunicorn", "config.wsgi:application"]
    assert web["ports"] == ["127.0.0.1:8000:8000"]
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE


def test_every_variable_compose_sets_for_the_app_is_one_the_settings_read(compose):
    known = settings_variable_names()
    for name in APP_SERVICES:
        environment = compose["services"][name]["environment"]
        assert set(environment) <= known, set(environment) - known
    # The queue runs on Redis, so several workers can share it.
    assert compose["services"]["worker"]["environment"]["REDIS_URL"].startswith("redis://")


def test_secrets_come_from_docker_secret_files_never_from_the_compose_file(compose):
    for name in APP_SERVICES:
        service = compose["services"][name]
        environment = service["environment"]
        assert "DJANGO_SECRET_KEY" not in environment
        assert "AUTOPROCTOR_CLIENT_SECRET" not in environment
        for variable in ("DJANGO_SECRET_KEY_FILE", "AUTOPROCTOR_CLIENT_SECRET_FILE"):
            secret = Path(environment[variable])
            assert secret.parent == Path("/run/secrets")
            assert secret.name in service["secrets"]
            assert secret.name in compose["secrets"]
    for declared in compose["secrets"].values():
        assert declared["file"].startswith("./secrets/")
    # The one password compose needs is interpolated from .env, with a clear message if unset.
    assert "${POSTGRES_PASSWORD:?" in (ROOT / "docker-compose.yml").read_text()


# --- .env.example and .gitignore ------------------------------------------------------


def test_env_example_sets_only_variables_the_settings_or_compose_read():
    names = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))

    assert names, ".env.example lists no variables"
    assert names <= settings_variable_names() | COMPOSE_VARIABLES, names - (
        settings_variable_names() | COMPOSE_VARIABLES
    )
    # The secrets are files (Docker secrets); in .env they would clash with the *_FILE variables.
    assert "DJANGO_SECRET_KEY" not in names
    assert "AUTOPROCTOR_CLIENT_SECRET" not in names


def test_secrets_and_env_files_stay_out_of_git_and_out_of_the_image():
    gitignore = (ROOT / ".gitignore").read_text().split()
    dockerignore = (ROOT / ".dockerignore").read_text().split()

    assert "/.env" in gitignore
    assert "/secrets/" in gitignore
    for pattern in (".env", "secrets", ".git", ".venv", "node_modules", "var"):
        assert pattern in dockerignore


# --- Dockerfile --------------------------------------------------------------------------


def test_node_is_only_in_the_build_stage_and_the_image_runs_python(dockerfile_stages):
    *build_stages, final = dockerfile_stages

    assert build_stages, "the Dockerfile needs a build stage for the npm assets"
    assert any(stage["from"].startswith("node:") for stage in build_stages)
    assert re.fullmatch(r"python:3\.\d+-slim(-\w+)?", final["from"])
    for op, args in final["instructions"]:
        assert not (op == "RUN" and re.search(r"\b(npm|node|npx)\b", args)), args


def test_the_build_stage_installs_exactly_what_package_lock_pins(dockerfile_stages):
    assets = next(stage for stage in dockerfile_stages if stage["from"].startswith("node:"))
    instructions = assets["instructions"]

    assert ("COPY", "package.json package-lock.json ./") in instructions
    assert any(op == "RUN" and args.startswith("npm ci") for op, args in instructions)


def test_chart_js_lands_where_the_static_files_settings_look_for_it(dockerfile_stages):
    *_, final = dockerfile_stages
    copies = [args.split() for op, args in final["instructions"] if op == "COPY"]
    from_assets = [args for args in copies if args[0].startswith("--from=")]
    (vendor_dir,) = [
        Path(directory).relative_to(settings.BASE_DIR)
        for prefix, directory in (
            entry for entry in settings.STATICFILES_DIRS if isinstance(entry, tuple)
        )
        if prefix == "vendor/chart.js"
    ]

    assert [args[-1] for args in from_assets] == [str(vendor_dir)]
    assert from_assets[0][-2].endswith(str(vendor_dir))


def test_the_image_collects_static_files_at_build_and_runs_as_a_non_root_user(
    dockerfile_stages,
):
    *_, final = dockerfile_stages
    ops = [op for op, _ in final["instructions"]]
    users = [args for op, args in final["instructions"] if op == "USER"]
    collect = [i for i, (op, a) in enumerate(final["instructions"]) if "collectstatic" in a]

    assert collect and final["instructions"][collect[0]][0] == "RUN"
    assert users and users[-1] not in {"root", "0"}
    assert ops.index("USER") > collect[0], "collectstatic runs before dropping root"
    assert ops[-1] == "CMD"


def test_the_image_build_steps_collect_chart_js_and_our_static_files(tmp_path):
    """Replays the final stage's file layout and its collectstatic command, without Docker."""
    build_image_layout(tmp_path)

    assert not (tmp_path / ".env").exists() and not (tmp_path / "tests").exists()
    assert (tmp_path / "staticfiles" / "vendor" / "chart.js" / "chart.umd.min.js").is_file()
    assert (tmp_path / "staticfiles" / "staticfiles.json").is_file()


def test_compose_and_the_demo_trust_forwarded_addresses_as_their_topology_needs(compose):
    """Compose's web server is reached only through the host's TLS proxy, which appends the
    client's address; the demo's runserver is reached directly, so nothing is trusted."""
    web = compose["services"]["web"]
    assert web["ports"] == ["127.0.0.1:8000:8000"]
    assert web["environment"]["DJANGO_TRUSTED_PROXIES"] == "1"
    assert web["environment"]["DJANGO_BEHIND_PROXY"] == "true"
    spec = importlib.util.spec_from_file_location("demo", ROOT / "scripts" / "demo.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    environment = demo.demo_environment()
    assert environment["DJANGO_TRUSTED_PROXIES"] == "0"
    assert environment["DJANGO_BEHIND_PROXY"] == "false"
