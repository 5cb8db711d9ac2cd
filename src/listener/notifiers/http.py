"""The httpx boundary shared by the Slack and webhook notifiers: one POST, and every way it
can fail turned into a :class:`DeliveryError` that says whether to try again and when.

Error texts never include the URL: a Slack incoming-webhook URL is itself a secret.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final

import httpx

from listener.notifiers.base import DeliveryError
from listener.notifiers.render import clean
from listener.retry import seconds_until

#: Answers worth sending again: the receiver was busy, overloaded or asked us to slow down.
RETRYABLE_STATUS: Final = frozenset({408, 425, 429, 500, 502, 503, 504})


async def post(
    client: httpx.AsyncClient,
    url: str,
    *,
    body: bytes,
    headers: Mapping[str, str],
    timeout: float,
    what: str,
) -> httpx.Response:
    """POST ``body`` and return a 2xx response; any other outcome raises DeliveryError.

    ``what`` names the receiver in error texts ("Slack webhook", "webhook ops-bridge").
    """
    try:
        response = await client.post(url, content=body, headers=dict(headers), timeout=timeout)
    except httpx.TimeoutException as exc:
        raise DeliveryError(f"{what}: no answer within {timeout:g}s", retryable=True) from exc
    except httpx.TransportError as exc:
        # Connection refused or reset, DNS failure, a broken TLS handshake: the receiver may
        # be back in a moment.
        raise DeliveryError(f"{what}: {type(exc).__name__}: {exc}", retryable=True) from exc
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{what}: {type(exc).__name__}: {exc}", retryable=False) from exc
    if not 200 <= response.status_code < 300:
        raise status_error(response, what)
    return response


def status_error(response: httpx.Response, what: str) -> DeliveryError:
    """The error for a non-2xx answer, with the start of its body (receivers put the
    reason there: Slack answers ``invalid_payload`` or ``channel_not_found``)."""
    code = response.status_code
    reason = clean(response.text[:200]) or response.reason_phrase
    retryable = code in RETRYABLE_STATUS or code >= 500
    return DeliveryError(
        f"{what}: HTTP {code}: {reason}",
        retryable=retryable,
        retry_after=retry_after(response.headers.get("retry-after")) if retryable else None,
    )


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or an HTTP date);
    None when absent or unreadable."""
    if value is None:
        return None
    seconds = seconds_until(value, (now or datetime.now(UTC)).timestamp())
    if seconds is None or not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
