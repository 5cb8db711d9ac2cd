"""Compiled copies of hot modules: used only when built from the present source, and
giving the same results as the pure-Python modules they were built from."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_sentiment import _texts_to_compare
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from listener.enrich import native, vader
from listener.windows import stats
from listener.windows.learning import surprise as count_model


def _built(module: ModuleType) -> Any:
    compiled = native.load(module.__name__)
    if compiled is module:
        pytest.skip("no compiled copy built here (`python -m listener.enrich.native`)")
    return compiled


def _built_vader() -> Any:
    return _built(vader)


def test_the_compiled_vader_scores_every_evaluation_post_as_the_pure_one() -> None:
    compiled = _built_vader()
    plain = SentimentIntensityAnalyzer()
    pure = vader.VaderCore(plain.lexicon, plain.emojis)
    fast = compiled.VaderCore(plain.lexicon, plain.emojis)  # type: ignore[attr-defined]
    assert type(fast) is not vader.VaderCore
    texts = _texts_to_compare()
    assert [fast.compound(t) for t in texts] == [pure.compound(t) for t in texts]


def test_the_worker_reads_sentiment_with_the_compiled_copy_when_built() -> None:
    from listener.enrich import sentiment

    compiled = native.load(vader.__name__)
    assert sentiment._VaderCore is compiled.VaderCore


#: Counts as judging gives them (whole, or fractions of bursts), means from none to busy.
_COUNTS = st.one_of(st.integers(0, 2_000), st.floats(0.0, 2_000.0))
_MEANS = st.floats(0.0, 1_000.0)


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
    compiled = _built(count_model)
    assert compiled.surprise(count, mean, dispersion, clustering) == count_model.surprise(
        count, mean, dispersion, clustering
    )
    assert compiled.variance(mean, dispersion, clustering) == count_model.variance(
        mean, dispersion, clustering
    )


def test_the_compiled_count_model_reads_windows_far_above_their_usual() -> None:
    compiled = _built(count_model)
    # The tail's geometric bound and the ceiling: where a port of the loop would drift.
    for count, mean in [(40, 0.05), (500, 2.0), (3, 2.9), (60, 50.0), (10_000, 1.0)]:
        assert compiled.surprise(count, mean) == count_model.surprise(count, mean) > 0


def test_the_windows_judge_with_the_compiled_count_model_when_built() -> None:
    compiled = _built(count_model)
    assert stats.surprise is compiled.surprise
    assert stats.variance is compiled.variance


def test_without_a_copy_the_pure_module_runs_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=native.__name__):
        assert native.load(vader.__name__, tmp_path) is vader
    assert "pure Python (no compiled copy" in caplog.text


def test_a_copy_that_does_not_import_is_not_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    native.built_path(vader.__name__, tmp_path).write_bytes(b"not a shared object")
    with caplog.at_level(logging.INFO, logger=native.__name__):
        assert native.load(vader.__name__, tmp_path) is vader
    assert "does not import" in caplog.text


def test_a_copy_built_from_another_source_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _built_vader()
    shutil.copyfile(native.built_path(vader.__name__), native.built_path(vader.__name__, tmp_path))
    monkeypatch.setattr(native, "digest", lambda path: "edited since")
    with caplog.at_level(logging.INFO, logger=native.__name__):
        assert native.load(vader.__name__, tmp_path) is vader
    assert "another version of the source" in caplog.text


def test_the_pure_modules_can_be_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(native.PURE_ENV, "1")
    assert native.load(vader.__name__) is vader


def test_a_failed_build_leaves_the_pure_module_to_run(tmp_path: Path) -> None:
    outcome = native.build(build_dir=tmp_path, command=("false",))
    assert outcome[vader.__name__].startswith("not compiled")
    assert not native.built_path(vader.__name__, tmp_path).exists()
    assert native.load(vader.__name__, tmp_path) is vader
    missing = native.build(build_dir=tmp_path, command=(str(tmp_path / "no-such-compiler"),))
    assert missing[vader.__name__].startswith("not compiled")
