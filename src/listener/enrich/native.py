"""Compiled copies of pure-Python hot spots, where a compiler is at hand.

``python -m listener.enrich.native`` (``make test``, ``make demo`` and ``make bench`` run
it) compiles each module of :data:`COMPILED` with mypyc into :data:`BUILD_DIR`: a copy of
the module stamped with the digest of the source it was built from. :func:`load` returns
that copy when it was built from the source as it is now, and the pure-Python module
otherwise (no mypyc or no C compiler, a failed build, a source edited since the build, or
``LISTENER_PURE_PYTHON`` set), saying which in one log line. Both give the same results
(tests/unit/test_native.py compares them); compiled, VADER reads a post in about half the
time, and a count's surprise takes a sixth of the time (docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Final

log = logging.getLogger(__name__)

#: The modules compiled: plain typed functions and classes, no dataclasses. VADER's rules
#: read every post; the count model's surprises every window of every brand judged.
COMPILED: Final = ("listener.enrich.vader", "listener.windows.learning.surprise")
#: Where the compiled copies are kept (beside the package's sources; never committed).
BUILD_DIR: Final = Path(__file__).resolve().parent / "build"
#: Set to anything to run the pure-Python modules even where compiled copies are built.
PURE_ENV: Final = "LISTENER_PURE_PYTHON"
#: Longest a module's compilation may take.
BUILD_SECONDS: Final = 600.0


def native_name(module: str) -> str:
    """The compiled copy's own module name: ``_native_vader`` for ``listener.enrich.vader``."""
    return "_native_" + module.rpartition(".")[2]


def source_of(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ImportError(f"no source for {module}")
    return Path(spec.origin)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def built_path(module: str, build_dir: Path = BUILD_DIR) -> Path:
    return build_dir / (native_name(module) + importlib.machinery.EXTENSION_SUFFIXES[0])


def load(module: str, build_dir: Path = BUILD_DIR) -> ModuleType:
    """The compiled copy of ``module`` if one was built from its present source, else the
    module itself; called once, when the module using it is imported."""
    pure = importlib.import_module(module)
    path = built_path(module, build_dir)
    if os.environ.get(PURE_ENV):
        why = f"{PURE_ENV} is set"
    elif not path.exists():
        why = "no compiled copy: `python -m listener.enrich.native` builds one"
    else:
        try:
            compiled = _import_file(native_name(module), path)
        except ImportError as exc:
            why = f"the compiled copy does not import: {exc}"
        else:
            if getattr(compiled, "SOURCE_DIGEST", None) == digest(source_of(module)):
                log.info("%s: compiled with mypyc (%s)", module, path)
                return compiled
            why = "the compiled copy was built from another version of the source"
    log.info("%s: pure Python (%s)", module, why)
    return pure


def _import_file(name: str, path: Path) -> ModuleType:
    known = sys.modules.get(name)
    if known is not None and getattr(known, "__file__", None) == str(path):
        return known
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} is not a module")
    compiled = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compiled)
    sys.modules[name] = compiled
    return compiled


def build(
    modules: tuple[str, ...] = COMPILED,
    build_dir: Path = BUILD_DIR,
    command: tuple[str, ...] = (sys.executable, "-m", "mypyc"),
) -> dict[str, str]:
    """Compile each of ``modules`` that has no copy built from its present source; returns
    what became of each. A module that does not compile is left to run as pure Python:
    nothing raises."""
    build_dir.mkdir(parents=True, exist_ok=True)
    outcome: dict[str, str] = {}
    for module in modules:
        source = source_of(module)
        stamp = digest(source)
        target = built_path(module, build_dir)
        stamp_file = target.with_name(native_name(module) + ".digest")
        if target.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
            outcome[module] = "compiled copy up to date"
            continue
        target.unlink(missing_ok=True)
        stamp_file.unlink(missing_ok=True)
        outcome[module] = _compile(module, source, stamp, target, command)
        if target.exists():
            stamp_file.write_text(stamp)
    return outcome


def _compile(module: str, source: Path, stamp: str, target: Path, command: tuple[str, ...]) -> str:
    name = native_name(module)
    with tempfile.TemporaryDirectory(prefix="listener-native-") as tmp:
        copy = Path(tmp) / f"{name}.py"
        copy.write_text(f'{source.read_text()}\n\nSOURCE_DIGEST = "{stamp}"\n')
        # mypyc reads the types of the modules the copy imports from listener's sources.
        env = {**os.environ, "MYPYPATH": str(Path(__file__).resolve().parents[2])}
        try:
            result = subprocess.run(
                [*command, copy.name],
                cwd=tmp,
                env=env,
                capture_output=True,
                text=True,
                timeout=BUILD_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"not compiled ({exc}): pure Python runs"
        built = Path(tmp) / target.name
        if result.returncode != 0 or not built.exists():
            lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
            return f"not compiled ({lines[-1][:200]}): pure Python runs"
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(built, partial)
        os.replace(partial, target)
    return f"compiled with mypyc into {target}"


def main() -> None:
    for module, what in build().items():
        print(f"{module}: {what}")


if __name__ == "__main__":
    main()
