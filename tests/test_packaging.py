"""The project's set-up files agree with each other, and the package declares its API."""

from __future__ import annotations

import importlib
import pkgutil
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

import csat_analysis

ROOT = Path(__file__).resolve().parents[1]
#: conda-forge names that differ from PyPI names
CONDA_NAMES = {}


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["test"]
    pins = {}
    for text in reqs:
        req = Requirement(text)
        (spec,) = req.specifier
        assert spec.operator == "==", f"{text} is not pinned with =="
        pins[req.name.lower()] = spec.version
    return pins


def test_environment_yml_matches_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {}
    pip = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip += dep["pip"]
            continue
        name, _, version = dep.partition("=")
        conda[name.lower()] = version
    assert conda.pop("python") == "3.11"
    conda.pop("pip")
    pins = {CONDA_NAMES.get(k, k): v for k, v in _pyproject_pins().items()}
    assert conda == pins
    assert pip == ["-e ."]


def test_makefile_installs_the_test_extra_and_kernel():
    text = (ROOT / "Makefile").read_text()
    assert "-e '.[test,warehouse]'" in text and "csat_analysis.kernel" in text
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test\n" in ci and "make test-all\n" in ci
    readme = (ROOT / "README.md").read_text()
    assert "make report" in readme and "make test" in readme and "make test-all" in readme


def test_test_tiers_are_registered_and_used():
    """`make test` skips the simulation and slow tiers, `make test-all` runs them, ruff runs first."""
    import tomllib

    markers = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["markers"]
    assert {m.split(":")[0] for m in markers} >= {"simulation", "slow"}
    make = (ROOT / "Makefile").read_text()
    test = make[make.index("\ntest: "):make.index("\ntest-all: ")]
    assert test.index("$(LINT)") < test.index("$(PYTEST)") and '-m "not simulation and not slow"' in test
    assert '-m "simulation or slow"' in make[make.index("\ntest-all: "):]
    assert "ruff check csat_analysis tests benchmarks" in make


def test_every_module_declares_all_and_exports_exist():
    assert (Path(csat_analysis.__file__).parent / "py.typed").is_file()
    for info in pkgutil.walk_packages(csat_analysis.__path__, "csat_analysis."):
        module = importlib.import_module(info.name)
        assert hasattr(module, "__all__"), info.name
        for name in module.__all__:
            assert hasattr(module, name), f"{info.name}.{name}"
    for name in csat_analysis.__all__:
        assert hasattr(csat_analysis, name)
