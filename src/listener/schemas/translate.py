"""The JSON Schema of a rules model, translated from the pydantic model that checks the file.

pydantic writes a JSON Schema of each model itself, but it cannot see inside the functions
that check a value: a duration (``"15m"``) would come out as an integer, a hashtag as any
string, a brand nothing can match as a valid brand. :class:`RulesSchema` knows each of
those functions and says in JSON Schema what it checks, as far as JSON Schema can say it
(that levels come in order cannot be written; that the first one notifies at once can).

A function it does not know stops the generation (:class:`NotImplementedError`), so a check
added to a model without its translation here is caught by the test that compares the
committed schemas with the models. Every translation accepts at least what the model
accepts, so an editor never marks as wrong a file that ``listener check`` accepts.
"""

from __future__ import annotations

import functools
import inspect
import re
import string
from collections.abc import Callable, Mapping
from typing import Any, Final

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import CoreSchema

from listener.rules.files.config import SEVERITIES
from listener.rules.files.durations import format_duration

#: What :func:`listener.rules.files.durations.parse_duration` reads, spaces around included.
DURATION: Final = r"^\s*(?:\d+[smhd])+\s*$"
_ZERO_DURATION: Final = r"^\s*(?:0+[smhd])+\s*$"
_DURATION_HINT: Final = 'expected a duration such as "90s", "5m", "1h", "1h30m" or "1d"'
#: An absolute http(s) URL, as far as a pattern can tell (the scheme is case-blind).
_HTTP_URL: Final = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?# ][^ ]*$"


def _not_null(*keys: str) -> JsonSchemaValue:
    """Every one of ``keys`` written with a value other than null."""
    return {"required": list(keys), "properties": {key: {"not": {"type": "null"}} for key in keys}}


def _absent(*keys: str) -> JsonSchemaValue:
    """None of ``keys`` written, or written as null."""
    return {"properties": {key: {"type": "null"} for key in keys}}


def _and(given: JsonSchemaValue, absent: JsonSchemaValue) -> JsonSchemaValue:
    """Some keys given (:func:`_not_null`) and others not (:func:`_absent`)."""
    return {**given, "properties": {**given["properties"], **absent["properties"]}}


def _exactly_one(first: str, second: str) -> JsonSchemaValue:
    return {
        "oneOf": [
            _and(_not_null(first), _absent(second)),
            _and(_not_null(second), _absent(first)),
        ]
    }


def _some_of(*keys: str, non_empty: bool = False) -> JsonSchemaValue:
    """At least one of ``keys`` written with a value (a non-empty list or mapping)."""
    arms = []
    for key in keys:
        value: JsonSchemaValue = {"not": {"type": "null"}}
        if non_empty:
            value = {"not": {"anyOf": [{"type": "null"}, {"maxItems": 0, "maxProperties": 0}]}}
        arms.append({"required": [key], "properties": {key: value}})
    return {"anyOf": arms}


#: What each check on a whole model says in JSON Schema; None where it cannot be said.
MODEL_CHECKS: Final[Mapping[str, JsonSchemaValue | None]] = {
    "listener.rules.files.config.Brand._matchable": _some_of(
        "terms", "hashtags", "handles", "channels", non_empty=True
    ),
    "listener.rules.files.config.OwnerGroup._one_way_to_remind": {
        "not": _not_null("repeat", "reminders")
    },
    # Only the first half can be said: the first level notifies at once. That each level
    # comes later than the one before is a comparison JSON Schema cannot make.
    "listener.rules.files.config.OwnerGroup._in_order": {
        "properties": {
            "levels": {"prefixItems": [{"properties": {"after": {"pattern": _ZERO_DURATION}}}]}
        }
    },
    "listener.notifiers.config.DeliveryConfig._ordered": None,
    "listener.notifiers.config.NotifiersConfig._some_channel": _some_of(
        "slack", "email", "webhooks", "pagerduty", "teams", non_empty=True
    ),
    "listener.notifiers.slack.config.SlackConfig._one_way": {
        "oneOf": [
            _and(_not_null("webhook_url_env"), _absent("bot_token_env", "channel")),
            _and(_not_null("bot_token_env", "channel"), _absent("webhook_url_env")),
        ]
    },
    "listener.notifiers.email.config.EmailConfig._login": {
        "anyOf": [_not_null("username", "password_env"), _absent("username", "password_env")],
        "if": {
            "required": ["username", "security"],
            "properties": {"username": {"type": "string"}, "security": {"const": "plain"}},
        },
        "then": {
            "required": ["allow_plain_login"],
            "properties": {"allow_plain_login": {"const": True}},
        },
    },
    "listener.notifiers.webhook.config.WebhookConfig._one_url": _exactly_one("url", "url_env"),
}

#: What each check on one value says, added to the schema of the value it is given.
VALUE_CHECKS: Final[Mapping[str, JsonSchemaValue]] = {
    "listener.rules.files.config._not_blank": {
        "pattern": r"\S",
        "patternErrorMessage": "must not be empty",
    },
    "listener.rules.files.config._severity": {"enum": list(SEVERITIES)},
    "listener.rules.files.config._duration_text": {
        "pattern": DURATION,
        "patternErrorMessage": _DURATION_HINT,
    },
    "listener.notifiers.secrets._http_url": {
        "pattern": _HTTP_URL,
        "patternErrorMessage": "expected an http(s) URL",
    },
    "listener.notifiers.email.config._one_line": {
        "pattern": r"^[^\r\n]*$",
        "patternErrorMessage": "must be on one line",
    },
    # Which zones exist depends on the machine's time zone database: checked at load only.
    "listener.notifiers.config._zone": {"description": 'a time zone such as "Europe/Rome"'},
}
#: Checks whose whole work is to match one regular expression, found in the function.
PATTERN_CHECKS: Final[Mapping[str, str]] = {
    "listener.validation.matching.<locals>.check": "",
    "listener.notifiers.secrets._env_name": "expected an environment variable name such as "
    "LISTENER_SLACK_BOT_TOKEN",
    "listener.notifiers.email.config._address": "expected an email address such as "
    "alerts@example.com",
}


def name_of(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def portable(pattern: str) -> str:
    r"""``pattern`` as editors' regular expressions (ECMAScript's) read it as well.

    Python's ``\w`` takes any letter (``#caffè``), ECMAScript's only ASCII ones: each ``\w``
    becomes "anything but a space or ASCII punctuation other than ``_``", which accepts
    every word character of both, so nothing listener accepts is refused.
    """

    def word_class(extra: str) -> str:
        excluded = [c for c in string.punctuation if c != "_" and c not in extra]
        return "[^\\s" + "".join("\\" + c if c in "\\]^-[" else c for c in excluded) + "]"

    def in_class(match: re.Match[str]) -> str:
        body = match.group(1).replace("\\w", "")
        if "\\" in body or "-" in body:
            raise NotImplementedError(f"cannot make {pattern!r} portable")
        return word_class(body)

    pattern = re.sub(r"\[((?:[^\]\\]|\\.)*\\w(?:[^\]\\]|\\.)*)\]", in_class, pattern)
    pattern = pattern.replace("\\w", word_class(""))
    # Python lets any punctuation be escaped; ECMAScript (with the u flag) only its own
    # syntax characters, so '\"' would not even compile in an editor.
    return re.sub(r"\\(.)", _ecmascript_escape, pattern)


def _ecmascript_escape(match: re.Match[str]) -> str:
    char = match.group(1)
    return match.group(0) if char.isalnum() or char in "^$\\.*+?()[]{}|/-" else char


class RulesSchema(GenerateJsonSchema):
    """pydantic's JSON Schema generator, taught the checks of listener's rules models."""

    used: set[str]

    def __init__(self, by_alias: bool = True, ref_template: str = "#/$defs/{model}") -> None:
        super().__init__(by_alias=by_alias, ref_template=ref_template)
        self.used = set()

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False  # "Volume Per Hour" over volume_per_hour tells an editor nothing

    def generate_inner(self, schema: Any) -> JsonSchemaValue:
        function = schema.get("function", {}).get("function")
        if schema.get("type") == "function-after" and isinstance(function, functools.partial):
            # A constraint that pydantic could not fold into the type, because a function
            # comes first: written here, not as pydantic's own keywords ("gt").
            return self._constrained(self.generate_inner(schema["schema"]), function)
        return super().generate_inner(schema)

    def function_before_schema(self, schema: Any) -> JsonSchemaValue:
        function = schema["function"]["function"]
        name = name_of(function)
        self.used.add(name)
        inner: CoreSchema = schema["schema"]
        if name == "listener.rules.files.durations.parse_duration":
            return _duration(inner)
        if name == "listener.rules.files.config._one_or_many.<locals>.accept":
            many = self.generate_inner(inner)
            return {"anyOf": [many["items"], many]}
        if name == "listener.rules.playbooks.playbook_value":
            steps = self.generate_inner(inner)["additionalProperties"]
            steps = {**steps, "minItems": 1}
            return {
                "anyOf": [
                    steps,
                    {
                        "type": "object",
                        "minProperties": 1,
                        "propertyNames": {"enum": list(SEVERITIES)},
                        "additionalProperties": steps,
                    },
                ]
            }
        raise NotImplementedError(f"no JSON Schema for the check {name} (schemas/translate.py)")

    def function_after_schema(self, schema: Any) -> JsonSchemaValue:
        function = schema["function"]["function"]
        name = name_of(function)
        self.used.add(name)
        inner = self.generate_inner(schema["schema"])
        if name in MODEL_CHECKS:
            check = MODEL_CHECKS[name]
            return inner if check is None else {**inner, "allOf": [*inner.get("allOf", ()), check]}
        if name in VALUE_CHECKS:
            return _merge(inner, VALUE_CHECKS[name])
        if name in PATTERN_CHECKS:
            pattern, what = _pattern_of(function)
            message = PATTERN_CHECKS[name] or f"expected {what}"
            return _merge(inner, {"pattern": portable(pattern), "patternErrorMessage": message})
        raise NotImplementedError(f"no JSON Schema for the check {name} (schemas/translate.py)")

    def function_plain_schema(self, schema: Any) -> JsonSchemaValue:
        raise NotImplementedError(f"no JSON Schema for {name_of(schema['function']['function'])}")

    def function_wrap_schema(self, schema: Any) -> JsonSchemaValue:
        raise NotImplementedError(f"no JSON Schema for {name_of(schema['function']['function'])}")

    def default_schema(self, schema: Any) -> JsonSchemaValue:
        json_schema = super().default_schema(schema)
        default = json_schema.get("default")
        if _is_duration(json_schema) and isinstance(default, int) and not isinstance(default, bool):
            # A duration is written "30m" in the file, never as the seconds it is stored in.
            json_schema["default"] = format_duration(default)
        return json_schema

    def _constrained(
        self, inner: JsonSchemaValue, check: functools.partial[Any]
    ) -> JsonSchemaValue:
        kind = check.func.__name__
        if _is_duration(inner) and kind in (
            "greater_than_validator",
            "greater_than_or_equal_validator",
        ):
            return _duration_bound(inner, dict(check.keywords))
        if kind == "min_length_validator" and "anyOf" in inner:
            minimum = check.keywords["min_length"]
            arms = [
                {**arm, "minItems": minimum} if arm.get("type") == "array" else arm
                for arm in inner["anyOf"]
            ]
            return {**inner, "anyOf": arms}
        raise NotImplementedError(f"no JSON Schema for the constraint {check!r} on {inner}")


def _duration(inner: Any) -> JsonSchemaValue:
    """A duration as written: text, turned into the seconds ``inner`` then checks."""
    if inner.get("type") != "int":
        raise NotImplementedError(f"a duration read into {inner}")
    bounds = {key: inner[key] for key in ("gt", "ge", "lt", "le") if key in inner}
    schema = {"type": "string", "pattern": DURATION, "patternErrorMessage": _DURATION_HINT}
    return _duration_bound(schema, bounds)


def _duration_bound(schema: JsonSchemaValue, bounds: Mapping[str, object]) -> JsonSchemaValue:
    """A duration's bound, where a pattern can say it: above zero, or at least zero."""
    for key, value in bounds.items():
        if (key, value) == ("gt", 0):
            schema = {**schema, "not": {"pattern": _ZERO_DURATION}}
        elif (key, value) != ("ge", 0):
            raise NotImplementedError(f"a duration bounded by {key}={value}")
    return schema


def _is_duration(schema: JsonSchemaValue) -> bool:
    return schema.get("pattern") == DURATION


def _merge(inner: JsonSchemaValue, extra: JsonSchemaValue) -> JsonSchemaValue:
    """Both schemas' checks; a second pattern on one value goes under ``allOf``."""
    if set(inner) & set(extra):
        return {**inner, "allOf": [*inner.get("allOf", ()), extra]}
    return {**inner, **extra}


def _pattern_of(function: Callable[..., Any]) -> tuple[str, str]:
    """The one regular expression a check matches, and what it says was expected."""
    found = inspect.getclosurevars(function)
    names = {**found.globals, **found.nonlocals}
    patterns = [value for value in names.values() if isinstance(value, re.Pattern)]
    if len(patterns) != 1:
        raise NotImplementedError(f"{name_of(function)} matches {len(patterns)} patterns, not one")
    what = names.get("what")
    return patterns[0].pattern, what if isinstance(what, str) else ""
