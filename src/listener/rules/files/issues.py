"""Turning what is wrong in a rules file into :class:`ConfigIssue` lines a person can act on:
the file, the dotted key path (``rules[2].when``) and, for a misspelt name, a suggestion.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterable, Sequence
from typing import Annotated, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from listener.errors import ConfigIssue

M = TypeVar("M", bound=BaseModel)


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """``' (did you mean "x"?)'`` when a choice is close to ``word``, else ``''``."""
    close = difflib.get_close_matches(str(word), sorted(choices), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def join_key(prefix: str, *parts: int | str) -> str:
    """The dotted path people read: ``join_key("rules", 2, "when") == "rules[2].when"``."""
    key = prefix
    for part in parts:
        if isinstance(part, int):
            key += f"[{part}]"
        else:
            key += f".{part}" if key else str(part)
    return key


def validate(
    model: type[M], data: object, file: str, key: str, issues: list[ConfigIssue]
) -> M | None:
    """``model`` built from ``data``, or None after adding every problem pydantic found."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        issues.extend(_issue(model, error, file, key) for error in exc.errors())
        return None


def _issue(model: type[BaseModel], error: ErrorDetails, file: str, key: str) -> ConfigIssue:
    # A part written <like-this> names the branch of a tagged union, not a key of the file.
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("<")))
    kind = error["type"]
    if kind == "extra_forbidden":
        unknown = loc[-1]
        hint = did_you_mean(unknown, _field_names(model, loc[:-1]))
        return ConfigIssue(file, join_key(key, *loc[:-1]), f'unknown key "{unknown}"{hint}')
    if kind == "missing":
        return ConfigIssue(file, join_key(key, *loc[:-1]), f'missing required key "{loc[-1]}"')
    message = error["msg"]
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif not isinstance(error["input"], dict | list):
        message += f", got {_short(error['input'])}"
    return ConfigIssue(file, join_key(key, *loc), message)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _field_names(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The keys allowed at ``loc`` inside ``model``, to suggest one for a misspelt key."""
    current: object = model
    for part in loc:
        current = _inner(_unwrap(current), part)
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [field.alias or name for name, field in current.model_fields.items()]
    return []


def _unwrap(annotation: object) -> object:
    """The model inside ``Annotated[...]`` or ``X | None``, if there is one."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        for arm in get_args(annotation):
            arm = _unwrap(arm)
            if isinstance(arm, type) and issubclass(arm, BaseModel):
                return arm
    return annotation


def _inner(annotation: object, part: int | str) -> object:
    """The annotation one step down: a model's field, a tuple's items, a dict's values."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin in (tuple, list) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None
