"""What the windows add up: a bucket of one step of event time (its counts, its authors,
topics and terms, its most damaging posts), a window's sums, and the quoted posts.

Every figure a window shows is a sum over its buckets (windows/counting/running.py keeps the
sums as the clock moves; brand.py holds a brand's buckets). Sums do not depend on the order
posts arrived in, so a worker that rebuilt its state from a replay finds the very same
figures.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from listener.records import NEGATIVE, POSITIVE, UNKNOWN, Counted, SamplePost, ScoredPost
from listener.windows.counting.running import Window

#: A post this negative (VADER's compound, or the Italian analyser's) or more is clearly
#: negative: a mild complaint by a big account is everyday life, a rant is not.
HOSTILE: float = -0.5
#: Samples kept per bucket and quoted per alert.
SAMPLES: int = 3
#: Longest text a sample quotes (SamplePost.from_counted's default).
QUOTED_CHARS: int = 500
#: Sentiment is summed in whole units of 1e-4 (the precision compound scores are given
#: in), so a sum does not depend on the order posts arrived in: a worker that rebuilt its
#: state from a replay computes the very same figures, bit for bit.
SENTIMENT_UNIT: int = 10_000


def damage(post: Counted | ScoredPost) -> float:
    """How much harm a post can do: reach (log of followers and shares) times negativity."""
    post = counted(post)
    audience = (post.author_followers or 0) + 5 * (post.shares or 0) + (post.likes or 0)
    negativity = 0.5 if post.label == UNKNOWN else max(0.0, -post.compound)
    return math.log10(10.0 + audience) * (0.25 + negativity)


def counted(post: Counted | ScoredPost) -> Counted:
    """``post`` as the windows count it (the scored topic delivers it so already)."""
    return post if isinstance(post, Counted) else Counted.of(post)


@dataclass(slots=True)
class Bucket:
    """Sums over the posts of one step of event time."""

    volume: int = 0
    negative: int = 0
    positive: int = 0
    unknown: int = 0
    sentiment_units: int = 0
    reach: int = 0
    max_reach: int = 0
    authors: set[str] = field(default_factory=set)
    #: Followers of the most followed author of a clearly negative post (tone at most
    #: HOSTILE), and the likes and shares of the most engaged such post.
    negative_reach: int = 0
    negative_engagement: int = 0
    #: Posts about each risk's topic, by risk.
    topics: Counter[str] = field(default_factory=Counter)
    #: Posts holding each term (words and pairs of words), for what the wave is about.
    terms: Counter[str] = field(default_factory=Counter)
    #: Min-heap of (damage, key, post): the most damaging posts of the bucket. A post
    #: counted here is kept as scored and made a sample only when it is read (see
    #: as_sample): most posts that enter the top three are pushed out again.
    samples: list[tuple[float, str, SamplePost | Counted]] = field(default_factory=list)
    #: The bucket as a snapshot writes it (JSON), kept until the next post: most buckets of
    #: a partition do not change between two snapshots, and encoding them is not free.
    encoded: orjson.Fragment | None = field(default=None, compare=False, repr=False)

    def add(
        self,
        scored: Counted | ScoredPost,
        found: frozenset[str] = frozenset(),
        about: Iterable[str] = (),
    ) -> None:
        """Count ``scored``, whose text names the topics ``found`` and holds ``about``."""
        post = counted(scored)
        self.encoded = None
        self.volume += 1
        label = post.label
        if label == UNKNOWN:
            self.unknown += 1
        else:
            self.sentiment_units += round(post.compound * SENTIMENT_UNIT)
            if label == NEGATIVE:
                self.negative += 1
                if post.compound <= HOSTILE:
                    engagement = (post.likes or 0) + (post.shares or 0)
                    self._hostile(post.author_followers or 0, engagement)
            elif label == POSITIVE:
                self.positive += 1
        followers = post.author_followers or 0
        self.reach += followers
        if followers > self.max_reach:
            self.max_reach = followers
        self.authors.add(f"{post.source}:{post.author_id}")
        if found:
            self.topics.update(found)
        self.terms.update(about)  # Counter.update counts in C
        rank = (round(damage(post), 9), post.key)
        if len(self.samples) < SAMPLES:
            heapq.heappush(self.samples, (*rank, post))
        elif rank > self.samples[0][:2]:
            heapq.heapreplace(self.samples, (*rank, post))

    def _hostile(self, followers: int, engagement: int) -> None:
        self.negative_reach = max(self.negative_reach, followers)
        self.negative_engagement = max(self.negative_engagement, engagement)

    def to_dict(self) -> dict[str, Any]:
        """The bucket as plain data."""
        return {
            "n": [self.volume, self.negative, self.positive, self.unknown],
            "s": self.sentiment_units,
            "r": [self.reach, self.max_reach, self.negative_reach, self.negative_engagement],
            "a": sorted(self.authors),
            "t": dict(self.topics),
            "w": dict(self.terms),
            "x": [[d, k, sample_to_list(s)] for d, k, s in self.samples],
        }

    def as_json(self) -> orjson.Fragment:
        """:meth:`to_dict` as JSON, written into a snapshot as it is: the same until the
        bucket changes. Kept as bytes, not as the dict: an unchanged bucket costs a snapshot
        a copy of them instead of being encoded again."""
        if self.encoded is None:
            # orjson's bytes keep the buffer they were written in (16 KiB for a bucket of
            # 500 bytes): the copy held is of the bytes alone.
            written = memoryview(orjson.dumps(self.to_dict())).tobytes()
            self.encoded = orjson.Fragment(written)
        return self.encoded

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Bucket:
        volume, negative, positive, unknown = data["n"]
        samples: list[tuple[float, str, SamplePost | Counted]] = [
            (float(d), str(k), sample_from_list(s)) for d, k, s in data["x"]
        ]
        heapq.heapify(samples)
        return cls(
            volume=volume,
            negative=negative,
            positive=positive,
            unknown=unknown,
            sentiment_units=int(data["s"]),
            reach=data["r"][0],
            max_reach=data["r"][1],
            # A snapshot written before these figures existed holds none of them.
            negative_reach=data["r"][2] if len(data["r"]) > 2 else 0,
            negative_engagement=data["r"][3] if len(data["r"]) > 3 else 0,
            authors=set(data["a"]),
            topics=Counter({str(k): int(v) for k, v in data.get("t", {}).items()}),
            terms=Counter({str(k): int(v) for k, v in data.get("w", {}).items()}),
            samples=samples,
        )


def as_sample(post: SamplePost | Counted | ScoredPost) -> SamplePost:
    """A bucket's sample as alerts quote it."""
    if isinstance(post, SamplePost):
        return post
    return SamplePost.from_counted(counted(post))


def sample_to_list(sample: SamplePost | Counted) -> list[Any]:
    """A sample's fields in SamplePost's order; a counted post's without building the
    sample first (a snapshot writes the top posts of every bucket changed since the last)."""
    if isinstance(sample, SamplePost):
        return [
            sample.key, sample.source, sample.created_at, sample.author_handle,
            sample.author_followers, sample.text, sample.url, sample.compound, sample.label,
        ]  # fmt: skip
    text = sample.text
    if len(text) > QUOTED_CHARS:
        text = text[: QUOTED_CHARS - 1] + "…"
    return [
        sample.key, sample.source, sample.created_at, sample.author_handle,
        sample.author_followers, text, sample.url, sample.compound, sample.label,
    ]  # fmt: skip


def sample_from_list(values: list[Any]) -> SamplePost:
    return SamplePost(*values)


@dataclass(slots=True)
class WindowSums:
    """A window's figures before the baseline is laid beside them. Not to be changed once
    built; not frozen, as three are built for every brand judged (see WindowStats)."""

    volume: int
    negative: int
    positive: int
    unknown: int
    sentiment_sum: float
    unique_authors: int
    reach: int
    max_reach: int
    samples: tuple[SamplePost, ...]
    negative_reach: int = 0
    negative_engagement: int = 0
    topics: dict[str, int] = field(default_factory=dict)


def top_samples(buckets: Mapping[int, Bucket], first: int, last: int) -> tuple[SamplePost, ...]:
    """The most damaging posts of buckets ``first`` to ``last`` (excluded), as quoted."""
    ranked: list[tuple[float, str, SamplePost | Counted]] = []
    for index in range(first, last):
        bucket = buckets.get(index)
        if bucket is not None:
            ranked += bucket.samples
    # (damage, key, post): the keys are unique, so tuples never compare their posts.
    return tuple(as_sample(post) for _, _, post in heapq.nlargest(SAMPLES, ranked))


def sums_of(window: Window, samples: tuple[SamplePost, ...] = ()) -> WindowSums:
    """The figures of a window's kept sums (counting/running.py), quoting ``samples``."""
    return WindowSums(
        volume=window.volume,
        negative=window.negative,
        positive=window.positive,
        unknown=window.unknown,
        sentiment_sum=window.units / SENTIMENT_UNIT,
        unique_authors=len(window.authors),
        reach=window.reach,
        max_reach=window.max_reach,
        samples=samples,
        negative_reach=window.negative_reach,
        negative_engagement=window.negative_engagement,
        topics=dict(window.topics),
    )
