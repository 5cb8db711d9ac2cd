"""Alerts: a rule that fired for a brand, with the figures, the baseline and the posts quoted
so the person paged sees what people are saying."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from listener.records.scored import Counted, ScoredPost


@dataclass(frozen=True, slots=True)
class SamplePost:
    """A post quoted in an alert so the on-call person sees what people are saying."""

    key: str
    source: str
    created_at: str
    author_handle: str | None
    author_followers: int | None
    text: str
    url: str | None
    compound: float
    label: str

    @classmethod
    def from_scored(cls, scored: ScoredPost, max_chars: int = 500) -> SamplePost:
        post = scored.post
        text = post.text if len(post.text) <= max_chars else post.text[: max_chars - 1] + "…"
        return cls(
            key=post.key,
            source=post.source,
            created_at=post.created_at.isoformat(),
            author_handle=post.author_handle,
            author_followers=post.author_followers,
            text=text,
            url=post.url,
            compound=scored.compound,
            label=scored.label,
        )

    @classmethod
    def from_counted(cls, post: Counted, max_chars: int = 500) -> SamplePost:
        """The same sample as ``from_scored`` of the scored post ``post`` was read from."""
        text = post.text if len(post.text) <= max_chars else post.text[: max_chars - 1] + "…"
        return cls(
            post.key, post.source, post.created_at, post.author_handle, post.author_followers,
            text, post.url, post.compound, post.label,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Alert:
    """A rule fired for a brand at an event time. ``id`` is deterministic, so a re-emitted
    alert (after a worker restart) has the same id and consumers can drop the copy."""

    id: str
    rule: str
    description: str
    brand: str
    brand_name: str
    severity: str
    fired_at: datetime
    window: str
    condition: str
    figures: Mapping[str, float | None]
    baseline: Mapping[str, float | None]
    samples: tuple[SamplePost, ...]
    owners: str
    first_true_at: datetime
    emitted_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: What the wave is about: the words and phrases whose frequency rose most against
    #: the brand's usual, strongest first.
    about: tuple[str, ...] = ()
    #: The brand's own posts that read as off-brand (a compromised account's), newest first.
    own_posts: tuple[SamplePost, ...] = ()
    #: The brand's everyday posts since its wave began (an offer, a launch: answering
    #: nobody), newest first: what it published while people complained.
    published: tuple[SamplePost, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule": self.rule,
            "description": self.description,
            "brand": self.brand,
            "brand_name": self.brand_name,
            "severity": self.severity,
            "fired_at": self.fired_at.isoformat(),
            "first_true_at": self.first_true_at.isoformat(),
            "window": self.window,
            "condition": self.condition,
            "figures": dict(self.figures),
            "baseline": dict(self.baseline),
            "samples": [_sample_dict(s) for s in self.samples],
            "owners": self.owners,
            "emitted_at": self.emitted_at.isoformat(),
            "about": list(self.about),
            "own_posts": [_sample_dict(s) for s in self.own_posts],
            "published": [_sample_dict(s) for s in self.published],
        }

    def dumps(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def loads(cls, raw: bytes) -> Alert:
        data = orjson.loads(raw)
        return cls(
            id=data["id"],
            rule=data["rule"],
            description=data["description"],
            brand=data["brand"],
            brand_name=data["brand_name"],
            severity=data["severity"],
            fired_at=datetime.fromisoformat(data["fired_at"]),
            first_true_at=datetime.fromisoformat(data["first_true_at"]),
            window=data["window"],
            condition=data["condition"],
            figures=data["figures"],
            baseline=data["baseline"],
            samples=tuple(SamplePost(**s) for s in data["samples"]),
            owners=data["owners"],
            emitted_at=datetime.fromisoformat(data["emitted_at"]),
            about=tuple(data.get("about", ())),
            own_posts=tuple(SamplePost(**s) for s in data.get("own_posts", ())),
            published=tuple(SamplePost(**s) for s in data.get("published", ())),
        )


def _sample_dict(sample: SamplePost) -> dict[str, Any]:
    return {name: getattr(sample, name) for name in SamplePost.__slots__}
