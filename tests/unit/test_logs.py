"""Logging of every command: to stderr, as text or JSON lines, and a line repeated many
times a second (a broker gone) shown once, then with backoff, saying how many were held."""

from __future__ import annotations

import json
import logging
import logging.config
import sys

import pytest

from listener.ops.logs import MAX_QUIET, JsonFormatter, RepeatFilter, logging_config


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def record(msg: str = "Unable connect to node with id %s", *args: object) -> logging.LogRecord:
    return logging.LogRecord("aiokafka", logging.ERROR, __file__, 1, msg, args or (1,), None)


def test_a_flood_of_one_line_becomes_a_few_lines_with_counts() -> None:
    clock = Clock()
    repeats = RepeatFilter(clock)
    shown: list[str] = []
    for _ in range(64 * 20):  # 64 lines a second for 20 seconds
        line = record()
        if repeats.filter(line):
            shown.append(line.getMessage())
        clock.now += 1 / 64
    # The first, then one after 1, 2, 4 and 8 seconds of repeats.
    assert len(shown) == 5
    assert shown[0] == "Unable connect to node with id 1"
    assert shown[1] == "Unable connect to node with id 1 (and 63 more like it in 1s)"
    assert shown[-1].endswith("more like it in 8s)")


def test_other_lines_are_never_held_back_by_a_flood() -> None:
    clock = Clock()
    repeats = RepeatFilter(clock)
    assert repeats.filter(record())
    assert not repeats.filter(record())
    assert repeats.filter(record("worker ready: %d partitions assigned", 4))
    info = record()
    info.levelno = logging.INFO
    assert repeats.filter(info)


def test_a_line_quiet_for_long_is_new_again() -> None:
    clock = Clock()
    repeats = RepeatFilter(clock)
    assert repeats.filter(record())
    clock.now += 1.0 + MAX_QUIET
    line = record()
    assert repeats.filter(line) and "more like it" not in line.getMessage()


def test_json_lines_carry_time_level_logger_message_and_exception() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        line = logging.LogRecord("listener.x", logging.ERROR, __file__, 1, "a %s", ("b",), None)
        line.exc_info = sys.exc_info()
    data = json.loads(JsonFormatter().format(line))
    assert data["level"] == "error" and data["logger"] == "listener.x"
    assert data["message"] == "a b" and "ValueError: boom" in data["exception"]
    assert data["time"].endswith("+00:00")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_configuration_writes_to_stderr_at_the_level_asked(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.config.dictConfig(logging_config("warning", fmt))
    try:
        logging.getLogger("listener.test").info("not shown")
        logging.getLogger("listener.test").warning("shown %d", 1)
        logging.getLogger("aiokafka").info("chatty")
        out, err = capsys.readouterr()
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
        logging.getLogger().handlers.clear()
    assert out == "" and "not shown" not in err and "chatty" not in err
    assert err.count("\n") == 1
    if fmt == "json":
        assert json.loads(err)["message"] == "shown 1"
    else:
        assert err.rstrip().endswith("WARNING listener.test: shown 1")
