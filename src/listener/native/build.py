"""Building the compiled copies of :data:`listener.native.COMPILED` with mypyc:
``python -m listener.native.build`` (``make test``, ``make demo`` and ``make bench`` run
it). Quick when the copies are up to date; without mypyc or a C compiler it says so, and
the pure-Python modules run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from listener.native import (
    BUILD_DIR,
    COMPILED,
    SUFFIX,
    built_files,
    digest,
    source_of,
    stale,
    stamp_path,
)

#: Longest the compilation may take.
BUILD_SECONDS: Final = 900.0

#: Run by :func:`build` in a scratch directory: each module compiled on its own (a change
#: to one recompiles all, but the C of each stays a unit), into ``lib/``.
_SETUP: Final = """\
import sys
from mypyc.build import mypycify
from setuptools import setup
sources = sys.argv[1:]
del sys.argv[1:]
setup(
    name="listener-compiled",
    ext_modules=mypycify(sources, separate=True),
    script_args=["build_ext", "--build-lib", "lib", "--build-temp", "temp"],
)
"""


def build(build_dir: Path = BUILD_DIR, command: Sequence[str] = (sys.executable,)) -> str:
    """Compile the modules of :data:`COMPILED` unless copies built from their present
    sources are there; says what became of them. When they do not compile, the pure-Python
    modules run: nothing raises."""
    if stale(build_dir) is None:
        return "compiled copies up to date"
    stamp, wanted = stamp_path(build_dir), digest()
    try:
        build_dir.mkdir(parents=True, exist_ok=True)
        stamp.unlink(missing_ok=True)
    except OSError as exc:  # an installation this user may not write to
        return f"not compiled ({exc}): pure Python runs"
    with tempfile.TemporaryDirectory(prefix="listener-native-") as tmp:
        (Path(tmp) / "setup.py").write_text(_SETUP)
        try:
            result = subprocess.run(
                [*command, "setup.py", *(str(source_of(m)) for m in COMPILED)],
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=BUILD_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"not compiled ({exc}): pure Python runs"
        lib = Path(tmp) / "lib"
        built = {target: _in_tree(lib, target) for target in built_files(build_dir)}
        if result.returncode != 0 or not all(b.exists() for b in built.values()):
            lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
            return f"not compiled ({lines[-1][:200]}): pure Python runs"
        for target, source in built.items():
            partial = target.with_name(target.name + ".partial")
            shutil.copyfile(source, partial)
            os.replace(partial, target)
    stamp.write_text(wanted)
    return f"compiled with mypyc into {build_dir}"


def _in_tree(lib: Path, target: Path) -> Path:
    """Where setuptools puts ``target`` (``a.b.c<SUFFIX>``) under ``lib``: ``a/b/c<SUFFIX>``."""
    *package, module = target.name[: -len(SUFFIX)].split(".")
    return lib.joinpath(*package, module + SUFFIX)


def main(
    argv: Sequence[str] | None = None,
    build_dir: Path = BUILD_DIR,
    command: Sequence[str] = (sys.executable,),
) -> int:
    """Build; with ``--require``, fail (exit 1) unless the compiled copies are in place, as
    an image build should."""
    outcome = build(build_dir, command)
    print(f"{', '.join(COMPILED)}: {outcome}")
    required = "--require" in (sys.argv[1:] if argv is None else argv)
    return 1 if required and outcome.startswith("not compiled") else 0


if __name__ == "__main__":
    sys.exit(main())
