"""Compiled copies of the pure-Python hot spots, where a compiler is at hand.

``python -m listener.native.build`` (``make test``, ``make demo`` and ``make bench`` run it)
compiles the modules of :data:`COMPILED` with mypyc into :data:`BUILD_DIR`, stamped with
the digest of the sources they were built from. When listener is imported,
:func:`install` puts them in force under the modules' own names, so every importer gets
the same classes and functions: only if the stamp matches the sources as they are now,
and otherwise the pure-Python modules run (no mypyc or no C compiler, a failed build, a
source edited since the build, or ``LISTENER_PURE_PYTHON`` set). A compiled module that
does not import is replaced by its source too. :func:`state` says which runs.

Both give the same results (tests/unit/test_native.py runs the window stage both ways);
compiled, VADER reads a post in about half the time and a judged brand-minute costs about
a third less (docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import logging
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Final

log = logging.getLogger(__name__)

#: The modules compiled, all or none: VADER's rules read every post; the others build and
#: learn from the figures of every window of every brand judged.
COMPILED: Final = (
    "listener.enrich.vader",
    "listener.windows.learning.surprise",
    "listener.windows.learning.baseline",
    "listener.windows.learning.usual",
    "listener.windows.counting.running",
    "listener.windows.counting.walk",
    "listener.windows.stats",
)
#: listener's modules whose classes the compiled ones read: mypyc compiled them against
#: these types, so a change to one of them retires the compiled copies too.
READ_BY_COMPILED: Final = (
    "listener.records",
    "listener.records.alerts",
    "listener.windows.counting.brand",
    "listener.windows.counting.bucket",
    "listener.windows.learning.learnt",
)
#: Where the compiled copies are kept (beside the package's sources; never committed).
BUILD_DIR: Final = Path(__file__).resolve().parent / "compiled"
#: Set to anything to run the pure-Python modules even where compiled copies are built.
PURE_ENV: Final = "LISTENER_PURE_PYTHON"
#: The compiled module's own file name ends so; mypyc puts its code in a second library,
#: the module's name with this suffix.
SUFFIX: Final = importlib.machinery.EXTENSION_SUFFIXES[0]
LIBRARY: Final = "__mypyc"
_PACKAGE: Final = Path(__file__).resolve().parents[1]

#: What :func:`install` found: "compiled with mypyc (where)" or "pure Python (why)".
_state = "not installed"


def source_of(module: str) -> Path:
    """The pure-Python source of one of listener's modules (or packages)."""
    path = _PACKAGE.joinpath(*module.split(".")[1:])
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def digest(modules: Iterable[str] = COMPILED + READ_BY_COMPILED) -> str:
    """One digest of the sources of ``modules``: a change to any of them retires all the
    compiled copies."""
    hashed = hashlib.sha256()
    for module in modules:
        hashed.update(module.encode() + b"\0" + source_of(module).read_bytes() + b"\0")
    return hashed.hexdigest()[:16]


def built_path(module: str, build_dir: Path = BUILD_DIR) -> Path:
    return build_dir / (module + SUFFIX)


def stamp_path(build_dir: Path = BUILD_DIR) -> Path:
    """The digest the copies in ``build_dir`` were built from (one per Python version)."""
    return build_dir / ("compiled" + SUFFIX.rsplit(".", 1)[0] + ".digest")


def built_files(build_dir: Path = BUILD_DIR) -> list[Path]:
    """Every file a build puts in ``build_dir``: each module and mypyc's library beside it."""
    return [built_path(m + end, build_dir) for m in COMPILED for end in ("", LIBRARY)]


def stale(build_dir: Path = BUILD_DIR) -> str | None:
    """Why the compiled copies in ``build_dir`` are not those of the present sources; None
    when they are."""
    stamp = stamp_path(build_dir)
    if not stamp.exists() or not all(path.exists() for path in built_files(build_dir)):
        return "no compiled copy: `python -m listener.native.build` builds them"
    if stamp.read_text().strip() != digest():
        return "the compiled copies were built from another version of the sources"
    return None


def unusable(build_dir: Path = BUILD_DIR) -> str | None:
    """Why the compiled copies in ``build_dir`` may not be used; None when they may."""
    if os.environ.get(PURE_ENV):
        return f"{PURE_ENV} is set"
    return stale(build_dir)


def install(build_dir: Path = BUILD_DIR) -> str:
    """Put the compiled copies in force for the modules of :data:`COMPILED` not imported
    yet, if they were built from the present sources; returns :func:`state`. Called once,
    when listener is imported."""
    global _state
    if any(isinstance(finder, CompiledFinder) for finder in sys.meta_path):
        return _state
    why = unusable(build_dir)
    if why is not None:
        _state = f"pure Python ({why})"
    else:
        files = {m: (built_path(m, build_dir), source_of(m)) for m in COMPILED}
        sys.meta_path.insert(0, CompiledFinder(files))
        _state = f"compiled with mypyc ({build_dir})"
    return _state


def state() -> str:
    """Whether the modules of :data:`COMPILED` run compiled, for the worker's log."""
    return _state


def pure_copy(module: str) -> ModuleType:
    """A fresh pure-Python copy of ``module``, under another name, whatever runs: to hold
    the compiled one against (tests, benchmarks)."""
    name = "_pure_" + module.replace(".", "_")
    spec = importlib.util.spec_from_file_location(name, source_of(module))
    assert spec is not None and spec.loader is not None
    copy = importlib.util.module_from_spec(spec)
    sys.modules[name] = copy  # dataclasses look their module up while being built
    spec.loader.exec_module(copy)
    return copy


def is_compiled(module: ModuleType) -> bool:
    return str(getattr(module, "__file__", "")).endswith(SUFFIX)


class CompiledFinder(importlib.abc.MetaPathFinder):
    """Finds each module of ``files`` (name: compiled copy, source) in its compiled copy,
    and mypyc's library beside it."""

    def __init__(self, files: Mapping[str, tuple[Path, Path]]) -> None:
        self.files = dict(files)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.endswith(LIBRARY) and fullname[: -len(LIBRARY)] in self.files:
            compiled = self.files[fullname[: -len(LIBRARY)]][0]
            library = compiled.with_name(fullname + SUFFIX)
            return importlib.util.spec_from_file_location(fullname, library)
        if fullname not in self.files:
            return None
        compiled, source = self.files[fullname]
        loader = _CompiledOrSource(fullname, compiled, source)
        return importlib.util.spec_from_file_location(fullname, compiled, loader=loader)


class _CompiledOrSource(importlib.abc.Loader):
    """The compiled copy of a module; its source if the copy does not import."""

    def __init__(self, name: str, compiled: Path, source: Path) -> None:
        self.compiled = importlib.machinery.ExtensionFileLoader(name, str(compiled))
        self.source = importlib.machinery.SourceFileLoader(name, str(source))
        self.fell_back = False

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        try:
            return self.compiled.create_module(spec)
        except ImportError as exc:
            log.warning("%s: the compiled copy does not import (%s): pure Python", spec.name, exc)
            self.fell_back = True
            return None

    def exec_module(self, module: ModuleType) -> None:
        if self.fell_back:
            module.__file__ = self.source.path
            self.source.exec_module(module)
        else:
            self.compiled.exec_module(module)
