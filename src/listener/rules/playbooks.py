"""A risk's playbook (risks.yaml ``playbook``): the prepared steps, per severity, and the
steps whose effect listener can see in the stream.

A step is a sentence. A step can also name what it should bring about, and by when, so
the incident checks it against the stream instead of trusting that it was done::

    - step: Publish a short holding statement within 30 minutes.
      expect: statement     # an answer from one of the brand's own accounts
      within: 30m           # of the first page

``statement`` is met by a post from one of the brand's own accounts (brands.yaml
``own_accounts``) that reads as the brand and answers people: a reply, or a post about
the trouble (windows/learning/own.py; an off-brand post from a taken account, or an offer,
does not count), or by someone recording on the incident that the statement is published.
When it is not met in time, the next escalation level is told that the step is late.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag

from listener.rules.files.config import SEVERITIES, Model, Seconds, Text
from listener.rules.files.issues import did_you_mean


class StepConfig(Model):
    """A step as written when it names an expectation."""

    step: Text
    expect: Literal["statement"]
    within: Seconds = Field(gt=0)


def _step_kind(value: object) -> str:
    return "<expecting>" if isinstance(value, dict | StepConfig) else "<sentence>"


#: A step as written: a sentence, or a sentence with its expectation (a mapping).
StepText = Annotated[
    Annotated[Text, Tag("<sentence>")] | Annotated[StepConfig, Tag("<expecting>")],
    Discriminator(_step_kind),
]


@dataclass(frozen=True, slots=True)
class Expectation:
    """What step ``number`` (from 1) of a playbook expects, within ``within`` seconds of
    the incident's first page."""

    number: int
    step: str
    expect: str
    within: int


@dataclass(frozen=True, slots=True)
class Playbook:
    """The steps of one severity, and what some of them expect."""

    steps: tuple[str, ...]
    expectations: tuple[Expectation, ...] = ()


def playbook_value(value: object) -> object:
    """A list of steps means the same steps at every severity; a mapping gives them per
    severity. Checked here so a mistake is named in the words of the file, not in those of
    the form it is stored in."""
    if isinstance(value, list | tuple):
        _check_steps(value, "the playbook")
        return {SEVERITIES[0]: value}
    if not isinstance(value, dict) or not value:
        raise ValueError("must be a list of steps, or a mapping from severity to steps")
    for key, steps in value.items():
        if key not in SEVERITIES:
            hint = did_you_mean(key, SEVERITIES)
            raise ValueError(f'"{key}" is not a severity{hint}: use {", ".join(SEVERITIES)}')
        _check_steps(steps, f'"{key}"')
    return value


def _check_steps(steps: object, what: str) -> None:
    if not isinstance(steps, list | tuple) or not steps:
        raise ValueError(f"{what} must be a list of at least one step")
    for number, step in enumerate(steps, start=1):
        if isinstance(step, dict) and "step" in step:
            continue  # a step with an expectation: its model checks it
        # A step with ": " in it is read by YAML as a mapping: say so, it is easy to miss.
        if not isinstance(step, str) or not step.strip():
            raise ValueError(
                f"step {number} of {what} must be a sentence (or step, expect and within),"
                f' got {step!r} (quote a step that contains ": ")'
            )


def fill_playbook(given: Mapping[str, tuple[StepText, ...]]) -> dict[str, Playbook]:
    """Steps for every severity: those written for it, else those of the nearest lower
    severity written (a bigger incident still needs the basics), else the nearest higher."""
    filled: dict[str, Playbook] = {}
    for index, severity in enumerate(SEVERITIES):
        lower = [s for s in reversed(SEVERITIES[: index + 1]) if s in given]
        higher = [s for s in SEVERITIES[index + 1 :] if s in given]
        filled[severity] = _playbook(given[(lower or higher)[0]])
    return filled


def _playbook(written: tuple[StepText, ...]) -> Playbook:
    steps: list[str] = []
    expectations: list[Expectation] = []
    for number, step in enumerate(written, start=1):
        if isinstance(step, StepConfig):
            text = step.step.strip()
            expectations.append(Expectation(number, text, step.expect, step.within))
        else:
            text = step.strip()
        steps.append(text)
    return Playbook(tuple(steps), tuple(expectations))
