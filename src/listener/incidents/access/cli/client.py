"""What the ``listener incidents`` and ``listener silences`` commands share: where the
incident API is, its key (from ``LISTENER_API_KEY`` only, never from the command line,
where every user of the machine could read it in the process list), who is acting, and
one call that turns any failure into one :class:`ApiError` line."""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import httpx

from listener.errors import ListenerError

URL_ENV: Final = "LISTENER_API_URL"
KEY_ENV: Final = "LISTENER_API_KEY"
USER_ENV: Final = "LISTENER_USER"
DEFAULT_URL: Final = "http://127.0.0.1:6066"
TIMEOUT: Final = 10.0


class ApiError(ListenerError):
    """The incident API refused a request or could not be reached."""


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help=f"the API (default: ${URL_ENV} or {DEFAULT_URL})")
    parser.add_argument("--as", dest="who", help=f"who is acting (default: ${USER_ENV} or login)")


def open_client(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[httpx.AsyncClient, str]:
    """A client of the API ``args`` and the environment name, and who is acting; raises
    :class:`ApiError` without a key."""
    key = environ.get(KEY_ENV, "")
    if not key:
        raise ApiError(f"{KEY_ENV} is not set: it holds the incident API key")
    url = args.url or environ.get(URL_ENV) or DEFAULT_URL
    who = args.who or environ.get(USER_ENV) or getpass.getuser()
    headers = {"authorization": f"Bearer {key}"}
    client = httpx.AsyncClient(base_url=url, headers=headers, timeout=TIMEOUT, transport=transport)
    return client, who


async def call(client: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> Any:
    """The decoded JSON answer; any failure becomes one :class:`ApiError` line."""
    try:
        response = await client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        raise ApiError(f"cannot reach the incident API at {client.base_url}: {exc}") from exc
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.is_success and isinstance(data, dict):
        return data
    message = data.get("message") if isinstance(data, dict) else None
    raise ApiError(f"{method} {path}: {response.status_code} {message or response.reason_phrase}")


def short(text: str | None) -> str:
    """An RFC 3339 time as people scan a table: date and minutes, in UTC."""
    if text is None:
        return "-"
    return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M")
