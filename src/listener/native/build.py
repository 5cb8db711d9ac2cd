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
    LIBRARY,
    SUFFIX,
    built_path,
    digest,
    source_of,
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
    stamp, wanted = stamp_path(build_dir), digest()
    made = [built_path(m, build_dir) for m in COMPILED]
    made += [built_path(m + LIBRARY, build_dir) for m in COMPILED]
    if stamp.exists() and stamp.read_text().strip() == wanted and all(p.exists() for p in made):
        return "compiled copies up to date"
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
        built = {p: lib.joinpath(*p.name[: -len(SUFFIX)].split(".")) for p in made}
        built = {p: b.with_name(b.name + SUFFIX) for p, b in built.items()}
        if result.returncode != 0 or not all(b.exists() for b in built.values()):
            lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
            return f"not compiled ({lines[-1][:200]}): pure Python runs"
        for target, source in built.items():
            partial = target.with_name(target.name + ".partial")
            shutil.copyfile(source, partial)
            os.replace(partial, target)
    stamp.write_text(wanted)
    return f"compiled with mypyc into {build_dir}"


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
