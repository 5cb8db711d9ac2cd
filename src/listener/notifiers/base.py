"""The one thing every notifier does: deliver a :class:`Notification` once, or say why not.

A notifier makes exactly one attempt per call. Retrying, backoff and never sending the same
transition twice are the job of :mod:`listener.notifiers.delivery`, so each channel stays
small and every channel retries the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from listener.errors import ListenerError

if TYPE_CHECKING:
    from listener.notifiers.message import Notification


class DeliveryError(ListenerError):
    """One delivery attempt failed.

    ``retryable`` says whether the same message may succeed if sent again unchanged (a
    timeout, a refused connection, HTTP 5xx or 429, SMTP 4xx); False means sending again
    cannot help (a wrong token, an unknown channel, SMTP 5xx) and a person must fix the
    configuration. ``retry_after`` is how many seconds the receiver asked us to wait
    (HTTP ``Retry-After``); None when it did not say.
    """

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        self.retryable = retryable
        self.retry_after = retry_after
        super().__init__(message)

    def __repr__(self) -> str:
        return (
            f"DeliveryError({str(self)!r}, retryable={self.retryable}, "
            f"retry_after={self.retry_after})"
        )


class Notifier(Protocol):
    """A channel that can tell people about an incident (Slack, email, a webhook)."""

    async def send(self, message: Notification) -> None:
        """Deliver ``message`` once, to whatever this notifier is bound to.

        Called by :func:`listener.notifiers.delivery.deliver`, once per attempt. Returning
        means the receiver accepted the message. Raising :class:`DeliveryError` means it
        did not: the caller retries when the error is retryable and gives up otherwise.
        Raising anything else is a bug in the notifier and propagates.
        """
        ...
