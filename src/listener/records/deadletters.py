"""Dead letters: a message listener could not process, kept with why on the dead-letter
topic (its payload as text, or base64 when it is not UTF-8): nothing is dropped silently."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import orjson


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message that could not be processed, with why; nothing is dropped silently."""

    reason: str
    detail: str
    topic: str
    partition: int
    offset: int
    payload: bytes

    def dumps(self) -> bytes:
        try:
            text: str | None = self.payload.decode("utf-8")
            encoded = None
        except UnicodeDecodeError:
            text, encoded = None, base64.b64encode(self.payload).decode("ascii")
        return orjson.dumps(
            {
                "reason": self.reason,
                "detail": self.detail,
                "topic": self.topic,
                "partition": self.partition,
                "offset": self.offset,
                "payload": text,
                "payload_base64": encoded,
            }
        )

    @classmethod
    def loads(cls, raw: bytes) -> DeadLetter:
        data = orjson.loads(raw)
        payload = (
            data["payload"].encode("utf-8")
            if data["payload"] is not None
            else base64.b64decode(data["payload_base64"])
        )
        return cls(
            reason=data["reason"],
            detail=data["detail"],
            topic=data["topic"],
            partition=data["partition"],
            offset=data["offset"],
            payload=payload,
        )
