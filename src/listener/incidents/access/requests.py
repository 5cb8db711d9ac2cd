"""What every handler of the incident API reads and answers: the request and response as
plain values, the refusal a check raises, and the readers of a request's body."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qsl

import orjson

#: Largest request body read, in bytes.
MAX_BODY: Final = 64 * 1024
#: Longest silence accepted: a silence forgotten for longer hides the next crisis.
MAX_SILENCE: Final = 7 * 86_400
_WHO: Final = re.compile(r"^[\w.@+-]{1,64}$")
FORM: Final = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """What a handler needs of a request; header names in lower case."""

    method: str
    params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    #: The caller's address ("" when not known): refusals are counted per address.
    client: str = ""


@dataclass(frozen=True, slots=True)
class ApiResponse:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, data: Any, headers: Mapping[str, str] | None = None) -> ApiResponse:
        return cls(status, orjson.dumps(data), headers=headers or {})

    @classmethod
    def html(cls, status: int, body: bytes) -> ApiResponse:
        return cls(status, body, "text/html; charset=utf-8")


class Problem(Exception):
    """Ends a request with an error response; raised by the checks, answered by
    :meth:`IncidentApi.handle`. Never leaves this module."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def read_body(request: ApiRequest, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """A JSON object or an HTML form, as text values (lists of text for the keys
    ``lists`` names)."""
    if len(request.body) > MAX_BODY:
        raise Problem(413, "too_large", f"the body is over {MAX_BODY} bytes")
    if not request.body.strip():
        return {}
    if request.headers.get("content-type", "").startswith(FORM):
        return dict(parse_qsl(request.body.decode("utf-8", errors="replace")))
    try:
        data = orjson.loads(request.body)
    except orjson.JSONDecodeError:
        raise Problem(400, "bad_request", "the body is not JSON") from None
    if not isinstance(data, dict) or not all(_text_or_list(k, v, lists) for k, v in data.items()):
        raise Problem(400, "bad_request", "the body must be a JSON object of strings")
    return data


def _text_or_list(key: str, value: Any, lists: tuple[str, ...]) -> bool:
    if key in lists and isinstance(value, list):
        return all(isinstance(item, str) for item in value)
    return isinstance(value, str)


def text_field(body: Mapping[str, str], name: str, required: bool) -> str:
    value = body.get(name, "").strip()
    if required and not value:
        raise Problem(400, "bad_request", f'"{name}" is required')
    if len(value) > 500:
        raise Problem(400, "bad_request", f'"{name}" is longer than 500 characters')
    return value


def who_field(body: Mapping[str, str]) -> str:
    """Who acts, as they name themselves: an API key is shared, so it cannot say."""
    who = body.get("who", "")
    if not _WHO.match(who):
        raise Problem(400, "bad_request", '"who" must name you: letters, digits and . _ @ + -')
    return who
