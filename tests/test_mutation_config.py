"""`make mutants` is outside `make test`, so nothing else notices when its configuration
(setup.cfg's [mutmut] and [mutation_tests]) falls behind the code: an app missing from the
copied sources stops the run at Django's setup, a moved module or test file silently drops its
mutants or tests. These checks keep the configuration in step with the tree."""

from __future__ import annotations

import configparser
import fnmatch
from pathlib import Path

from django.apps import apps

from tests import mutation_plugin

ROOT = Path(__file__).resolve().parent.parent


def mutmut_list(option: str) -> list[str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    return [line.strip() for line in parser.get("mutmut", option).splitlines() if line.strip()]


def test_every_app_of_the_project_is_copied_for_the_mutation_run():
    own_apps = {
        config.name for config in apps.get_app_configs() if Path(config.path).parent == ROOT
    }
    copied = set(mutmut_list("source_paths"))
    assert own_apps <= copied, f"add to [mutmut] source_paths: {sorted(own_apps - copied)}"
    assert "config" in copied  # the settings module the tests start from


def test_every_mutated_module_exists_and_names_its_tests():
    modules = mutmut_list("only_mutate")
    tests_by_module = mutation_plugin.tests_of_modules(ROOT / "setup.cfg")
    for module in modules:
        assert (ROOT / module).is_file(), f"{module} in only_mutate does not exist"
        assert tests_by_module.get(module), f"{module} has no [mutation_tests] entry"
    assert set(tests_by_module) <= set(modules), "a [mutation_tests] module is not mutated"


def test_every_listed_test_file_exists_and_is_part_of_the_run():
    selected = mutmut_list("pytest_add_cli_args_test_selection")
    for path in selected:
        assert (ROOT / path).is_file(), f"{path} in the test selection does not exist"
    for module, patterns in mutation_plugin.tests_of_modules(ROOT / "setup.cfg").items():
        for pattern in patterns:
            matches = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(pattern))
            assert matches, f"{pattern} (tests of {module}) matches no file"
            missing = [m for m in matches if not any(fnmatch.fnmatch(m, s) for s in selected)]
            assert not missing, f"{missing} (tests of {module}) are not in the test selection"
