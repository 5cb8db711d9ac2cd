"""Compiled copies of hot modules (listener/native/): used only when built from the present
sources, under the modules' own names, and giving the same results as the pure-Python
modules they were built from."""

from __future__ import annotations

import ast
import importlib
import logging
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_sentiment import _texts_to_compare
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from listener import native
from listener.enrich import vader
from listener.native.build import build, main
from listener.windows.learning import surprise as count_model


def _compiled(module: ModuleType) -> ModuleType:
    if not native.is_compiled(module):
        pytest.skip(f"not compiled here: {native.state()}")
    return module


def test_every_module_runs_compiled_when_built() -> None:
    if native.unusable() is not None:
        pytest.skip(f"not compiled here: {native.state()}")
    assert native.state().startswith("compiled with mypyc")
    for name in native.COMPILED:
        assert native.is_compiled(importlib.import_module(name)), name
    from listener.enrich.sentiment import VaderAnalyzer

    assert type(VaderAnalyzer()._vader) is vader.VaderCore


def test_the_compiled_vader_scores_every_evaluation_post_as_the_pure_one() -> None:
    compiled = _compiled(vader)
    pure = native.pure_copy(vader.__name__)
    plain = SentimentIntensityAnalyzer()
    fast = compiled.VaderCore(plain.lexicon, plain.emojis)
    slow = pure.VaderCore(plain.lexicon, plain.emojis)
    assert not native.is_compiled(pure)
    texts = _texts_to_compare()
    assert [fast.compound(t) for t in texts] == [slow.compound(t) for t in texts]


#: Counts as judging gives them (whole, or fractions of bursts), means from none to busy.
_COUNTS = st.one_of(st.integers(0, 2_000), st.floats(0.0, 2_000.0))
_MEANS = st.floats(0.0, 1_000.0)
_PURE_MODEL = native.pure_copy(count_model.__name__)


@settings(max_examples=2_000, deadline=None)
@given(
    count=_COUNTS,
    mean=_MEANS,
    clustering=st.floats(0.0, 8.0),
    dispersion=st.sampled_from([count_model.DISPERSION, 0.5, 3.0, 100.0]),
)
def test_the_compiled_count_model_gives_the_pure_ones_figures(
    count: float, mean: float, clustering: float, dispersion: float
) -> None:
    compiled = _compiled(count_model)
    assert compiled.surprise(count, mean, dispersion, clustering) == _PURE_MODEL.surprise(
        count, mean, dispersion, clustering
    )
    assert compiled.variance(mean, dispersion, clustering) == _PURE_MODEL.variance(
        mean, dispersion, clustering
    )


def test_the_compiled_count_model_reads_windows_far_above_their_usual() -> None:
    compiled = _compiled(count_model)
    # The tail's geometric bound and the ceiling: where a port of the loop would drift.
    for count, mean in [(40, 0.05), (500, 2.0), (3, 2.9), (60, 50.0), (10_000, 1.0)]:
        assert compiled.surprise(count, mean) == _PURE_MODEL.surprise(count, mean) > 0


#: One scenario of the library through the enricher and a partition's windows: what it
#: prints is everything they give and keep.
_REPLAY = """
import sys
from pathlib import Path
import orjson
from listener import native
from listener.records import ScoredBatch
from listener.replay.backtest.batches import first_group, write_rules
from listener.replay.scenarios.catalog import library
from listener.rules.files.loader import load_rules
from listener.rules.runtime import build_enricher, build_judge, window_config
from listener.settings import Settings
from listener.windows.partition import PartitionState
from listener.windows.stats import stats_messages

name, seed, shipped, target = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
scenario = library()[name].build(seed)
rules = load_rules(write_rules(shipped, target, [scenario.brand], first_group(shipped)))
enricher = build_enricher(rules)
state = PartitionState(window_config(rules, Settings(partitions=1)), build_judge(rules))
posts = sorted(scenario.posts, key=lambda p: p.ts)
out = []
for offset, i in enumerate(range(0, len(posts), 50)):
    bundle = posts[i : i + 50]
    records = tuple(r for found in enricher.enrich_many(bundle) for r in found)
    outcome = state.apply(ScoredBatch(scenario.brand.id, records, {0: bundle[-1].ts}), offset)
    alerts = [a.to_dict() | {"emitted_at": None} for a in outcome.alerts]  # wall clock
    out.append([[r.compound for r in records], alerts])
    out.append([orjson.loads(m) for m in stats_messages(outcome.judged)])
    if offset % 40 == 0:  # and what a restored worker goes on from
        state = PartitionState.from_dict(state.config, state.judge, state.to_dict())
out.append(state.to_dict())
print(native.state().split(" (")[0])
print(orjson.dumps(out, option=orjson.OPT_SORT_KEYS).decode())
"""


@pytest.mark.parametrize(("name", "seed"), [("intesa", 2), ("hacked-account", 1)])
def test_the_windows_give_the_same_figures_alerts_and_state_compiled_and_pure(
    name: str, seed: int, tmp_path: Path
) -> None:
    if native.unusable() is not None:
        pytest.skip(f"not compiled here: {native.state()}")
    shipped = Path(__file__).resolve().parents[2] / "rules"
    runs = {}
    for how, extra in [("compiled", {}), ("pure", {native.PURE_ENV: "1"})]:
        env = {k: v for k, v in os.environ.items() if k != native.PURE_ENV} | extra
        args = [name, str(seed), str(shipped), str(tmp_path / how)]
        done = subprocess.run(
            [sys.executable, "-c", _REPLAY, *args], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-3000:]
        runs[how] = done.stdout.splitlines()
    assert runs["compiled"][0] == "compiled with mypyc"
    assert runs["pure"][0] == "pure Python"
    assert '"rule"' in runs["pure"][1]  # the scenario did fire: the figures were read
    assert runs["compiled"][1] == runs["pure"][1]


def test_without_a_copy_the_pure_modules_run_and_say_why(tmp_path: Path) -> None:
    assert "no compiled copy" in str(native.unusable(tmp_path))


def test_copies_built_from_other_sources_are_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in native.COMPILED:
        native.built_path(name, tmp_path).write_bytes(b"")
        native.built_path(name + native.LIBRARY, tmp_path).write_bytes(b"")
    native.stamp_path(tmp_path).write_text(native.digest())
    monkeypatch.delenv(native.PURE_ENV, raising=False)
    assert native.unusable(tmp_path) is None
    native.stamp_path(tmp_path).write_text("edited since")
    assert "another version of the sources" in str(native.unusable(tmp_path))


def test_a_change_to_a_module_whose_classes_the_compiled_ones_read_retires_them() -> None:
    imported = set()
    for name in native.COMPILED:
        tree = ast.parse(native.source_of(name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("listener"):
                imported.add(node.module)
    assert imported - set(native.COMPILED) <= set(native.READ_BY_COMPILED)
    for name in native.READ_BY_COMPILED:
        assert native.source_of(name).is_file(), name


def test_the_pure_modules_can_be_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(native.PURE_ENV, "1")
    assert f"{native.PURE_ENV} is set" in str(native.unusable())


def test_a_copy_that_does_not_import_gives_way_to_its_source(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = tmp_path / "listener_native_probe.py"
    source.write_text("ANSWER = 42\n")
    broken = tmp_path / ("listener_native_probe" + native.SUFFIX)
    broken.write_bytes(b"not a shared object")
    finder = native.CompiledFinder({"listener_native_probe": (broken, source)})
    sys.meta_path.insert(0, finder)
    try:
        with caplog.at_level(logging.WARNING, logger=native.__name__):
            probe = importlib.import_module("listener_native_probe")
    finally:
        sys.meta_path.remove(finder)
        sys.modules.pop("listener_native_probe", None)
    assert probe.ANSWER == 42
    assert probe.__file__ == str(source)
    assert "does not import" in caplog.text


def test_a_failed_build_leaves_the_pure_modules_to_run(tmp_path: Path) -> None:
    assert build(tmp_path, command=("false",)).startswith("not compiled")
    assert not native.stamp_path(tmp_path).exists()
    assert "no compiled copy" in str(native.unusable(tmp_path))
    missing = build(tmp_path, command=(str(tmp_path / "no-such-compiler"),))
    assert missing.startswith("not compiled")


def test_a_place_that_cannot_be_written_to_leaves_the_pure_modules_to_run(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert build(blocked / "compiled").startswith("not compiled")


def test_an_image_build_can_require_the_compiled_copies(tmp_path: Path) -> None:
    assert main(["--require"], tmp_path, ("false",)) == 1
    assert main([], tmp_path, ("false",)) == 0  # make test goes on in pure Python
