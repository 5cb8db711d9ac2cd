"""Checks shared by the configuration models of rules/ and connectors/."""

from __future__ import annotations

import re

from pydantic import AfterValidator


def matching(pattern: re.Pattern[str], what: str) -> AfterValidator:
    """A pydantic check that a string matches ``pattern``; refused with "'x' is not
    <what>", so ``what`` says what was expected and, where it helps, how to find it."""

    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)
