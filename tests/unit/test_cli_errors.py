"""The command line: every error is one line on stderr with a non-zero exit, settings
errors name their LISTENER_ variable, one log level reaches every command (the worker
too), and --version answers."""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from listener.cli import _settings, build_parser, main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    handlers, level = logging.root.handlers[:], logging.root.level
    yield
    logging.root.handlers[:] = handlers
    logging.root.setLevel(level)


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("listener:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("listener ")


def test_a_missing_output_directory_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing" / "x.jsonl"
    assert main(["scenario", "intesa", "--out", str(target)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert str(target) in one_line(err)


def test_a_settings_error_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LISTENER_PARTITIONS", "0")
    assert main(["check", "--rules", str(ROOT / "rules")]) == 2
    line = one_line(capsys.readouterr().err)
    assert "LISTENER_PARTITIONS" in line and "partitions:" not in line


def test_an_unknown_log_level_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LISTENER_LOG_LEVEL", "loud")
    assert main(["check", "--rules", str(ROOT / "rules")]) == 2
    assert "LISTENER_LOG_LEVEL" in one_line(capsys.readouterr().err)


def test_the_log_level_comes_from_the_environment_and_the_flag_wins(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LISTENER_LOG_LEVEL", "warning")
    assert main(["check", "--rules", str(ROOT / "rules")]) == 0
    assert logging.root.level == logging.WARNING
    assert main(["--log-level", "debug", "check", "--rules", str(ROOT / "rules")]) == 0
    assert logging.root.level == logging.DEBUG
    # The worker takes its level from the settings: the flag reaches them too.
    args = build_parser().parse_args(["--log-level", "error", "--log-format", "json", "worker"])
    settings = _settings(args)
    assert (settings.log_level, settings.log_format) == ("error", "json")


def test_a_closed_pipe_is_one_line_and_exit_141(capsys: pytest.CaptureFixture[str]) -> None:
    read, write = os.pipe()
    os.close(read)
    saved, pipe = sys.stdout, os.fdopen(write, "w")
    sys.stdout = pipe
    try:
        code = main(["check", "--rules", str(ROOT / "rules")])
    finally:
        sys.stdout = saved
        pipe.close()  # main pointed it at /dev/null: nothing is left to fail
    assert code == 141
    assert "broken pipe" in one_line(capsys.readouterr().err)


def test_the_broker_refuses_a_port_that_is_taken(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["broker", "--port", str(port)]) == 2
    assert f"127.0.0.1:{port} is already in use" in one_line(capsys.readouterr().err)


def test_every_option_says_what_it_is_for() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
    missing = [
        f"{name} {'/'.join(action.option_strings) or action.dest}"
        for name, sub in subparsers.choices.items()
        for action in sub._actions
        if action.help is None
        and action.dest != "help"
        and not isinstance(action, argparse._SubParsersAction)  # its commands have help
    ]
    assert missing == []
