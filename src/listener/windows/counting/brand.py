"""One brand's recent posts, in event-time buckets of one window step.

A hopping window of size W ending at a step boundary is the sum of the W/step buckets
before it, so every window size is served by the same buckets and a post is added once.
Each post key is remembered for the longest window, so a post delivered twice (a
redelivery after a restart, or the same post fetched twice) is counted once.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from listener.records import NEGATIVE, POSITIVE, UNKNOWN, Counted, SamplePost, ScoredPost
from listener.windows.counting.running import Running, Window, counts
from listener.windows.counting.words import TopicIndex, merge, terms, words
from listener.windows.learning.own import OwnHistory, read

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
            "x": [[d, k, _sample_to_list(s)] for d, k, s in self.samples],
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
            (float(d), str(k), _sample_from_list(s)) for d, k, s in data["x"]
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


def _sample_to_list(sample: SamplePost | Counted) -> list[Any]:
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


def _sample_from_list(values: list[Any]) -> SamplePost:
    return SamplePost(*values)


def _unread_from_list(entry: list[Any]) -> tuple[float, SamplePost, str | None, bool]:
    """An unread own post of a snapshot; one written before replies were told apart holds
    no flag, and counts as the brand answering, as every on-brand own post did then."""
    reply = bool(entry[3]) if len(entry) > 3 else True
    return float(entry[0]), _sample_from_list(entry[1]), entry[2], reply


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


#: Topics of nothing: for callers (and tests) that count posts without a risk register.
NO_TOPICS = TopicIndex()


@dataclass(slots=True)
class BrandWindows:
    """Buckets, seen post keys and the brand's own posts, for one brand."""

    step: int
    buckets: dict[int, Bucket] = field(default_factory=dict)
    seen: dict[str, float] = field(default_factory=dict)
    #: Times of the brand's own posts that answer people (a reply, or a post that speaks to
    #: what people say: windows/learning/own.py), ascending: the horizon's, and the last
    #: one before it. Its everyday publishing (an offer, a launch, a tip) is not kept.
    own_posts: list[float] = field(default_factory=list)
    #: The brand's own posts that read as off-brand: (time, score, the post), ascending.
    off_brand: list[tuple[float, float, SamplePost]] = field(default_factory=list)
    own_history: OwnHistory = field(default_factory=OwnHistory)
    #: Own posts not read yet: (time, the post, its language, whether it is a reply),
    #: ascending. They are read in event-time order when the clock passes them, so what the
    #: account's history says of a post does not depend on the order a worker happened to
    #: receive them in.
    unread: list[tuple[float, SamplePost, str | None, bool]] = field(default_factory=list)
    #: The sums of the windows last judged, kept as the clock moves (derived from the
    #: buckets, never snapshotted: see windows/counting/running.py).
    running: Running | None = field(default=None, compare=False, repr=False)

    def add(self, scored: Counted | ScoredPost, topics: TopicIndex = NO_TOPICS) -> bool:
        """Count a post once; returns False for a post already counted. ``topics`` names
        the risks a text is about. The brand's own posts wait to be read (read_own)."""
        post = counted(scored)
        key = post.key
        if key in self.seen:
            return False
        ts = self.seen[key] = post.ts
        if post.own:
            entry = (ts, SamplePost.from_counted(post), post.lang, post.reply)
            bisect.insort(self.unread, entry, key=lambda e: (e[0], e[1].key))
            return True
        index = int(ts // self.step)
        bucket = self.buckets.get(index)
        if bucket is None:
            bucket = self.buckets[index] = Bucket()
        tokens = words(post.text)
        found = topics.match(tokens)
        kept = self.running
        if kept is not None and index < kept.last:  # late: its windows were summed
            before = counts(bucket)
            author: str | None = f"{post.source}:{post.author_id}"
            if author in bucket.authors:
                author = None
            bucket.add(post, found, terms(tokens))
            kept.late(index, before, bucket, author, found)
        else:
            bucket.add(post, found, terms(tokens))
        return True

    def read_own(self, until: float, language: str | None) -> None:
        """Read the own posts before ``until`` in event-time order against the account's
        history; ``language`` is the brand's (brands.yaml)."""
        while self.unread and self.unread[0][0] < until:
            ts, post, lang, reply = self.unread.pop(0)
            reading = read(post.text, ts, lang, post.compound, language, self.own_history, reply)
            if reading.off_brand:
                entry = (ts, reading.score, post)
                bisect.insort(self.off_brand, entry, key=lambda e: (e[0], e[2].key))
            elif reading.answers:
                bisect.insort(self.own_posts, ts)

    def sums(self, end: float, size: int) -> WindowSums:
        """Figures for ``[end - size, end)``; ``end`` is a step boundary."""
        return self.sums_ending(end, (size,))[size]

    def sums_ending(self, end: float, sizes: Iterable[int]) -> dict[int, WindowSums]:
        """Figures for ``[end - size, end)`` for each of ``sizes``, summed afresh from the
        buckets (the kept sums judging reads, ``running``, are left as they are), each
        quoting the window's most damaging posts."""
        last = int(end // self.step)
        lengths = {size: size // self.step for size in sizes}
        fresh = Running.sum(self.buckets, last, tuple(sorted(set(lengths.values()))))
        out: dict[int, WindowSums] = {}
        for size, length in lengths.items():
            samples = top_samples(self.buckets, last - length, last)
            out[size] = sums_of(fresh.windows[length], samples)
        return out

    def _picked(self, end: float, size: int) -> list[Bucket]:
        last = int(end // self.step)
        first = last - size // self.step
        return [b for i in range(first, last) if (b := self.buckets.get(i)) is not None]

    def terms(self, end: float, size: int) -> dict[str, int]:
        """How many posts of ``[end - size, end)`` hold each term."""
        return dict(merge(b.terms for b in self._picked(end, size)))

    def off_brand_between(self, since: float, until: float) -> list[tuple[float, SamplePost]]:
        """The off-brand own posts of ``[since, until)`` as (score, post), newest first."""
        if not self.off_brand:
            return []  # nearly every brand, at every boundary
        newest_first = reversed(self.off_brand)
        return [(score, sample) for ts, score, sample in newest_first if since <= ts < until]

    def brand_last_post(self, end: float) -> float | None:
        """The brand's last answer before ``end`` (an own post that answers people: see
        ``own_posts``): a post read early (a replay delivers tomorrow's statement before
        today's windows are judged) must not count yet."""
        index = bisect.bisect_left(self.own_posts, end)
        return self.own_posts[index - 1] if index else None

    def has_posts_between(self, since: float, until: float) -> bool:
        """Whether any bucket of ``[since, until)`` holds a post, or the brand posted
        something off-brand then (a hijacked account is news even on a quiet day)."""
        first, last = int(since // self.step), int(until // self.step)
        if any(first <= i < last for i in self.buckets):
            return True
        return any(since <= ts < until for ts, _, _ in self.off_brand)

    def evict(self, before: float) -> list[tuple[int, Bucket]]:
        """Forget buckets and post keys older than ``before`` (event time); returns the
        buckets forgotten, oldest first, for what is learnt from them."""
        first = int(before // self.step)
        gone: list[tuple[int, Bucket]] = []
        # Most brands have nothing this old at most sweeps: the least key and time, found
        # in C, say so without a walk in Python.
        if self.buckets and min(self.buckets) < first:
            gone = sorted(
                ((i, b) for i, b in self.buckets.items() if i < first), key=lambda e: e[0]
            )
            for index, _ in gone:
                del self.buckets[index]
        if self.seen and min(self.seen.values()) < before:
            for key in [k for k, ts in self.seen.items() if ts < before]:
                del self.seen[key]
        keep = bisect.bisect_left(self.own_posts, before)
        del self.own_posts[: max(0, keep - 1)]  # the last one before the horizon still counts
        if self.off_brand:
            self.off_brand = [entry for entry in self.off_brand if entry[0] >= before]
        return gone

    def to_dict(self, encoded: bool = False) -> dict[str, Any]:
        """The windows as plain data. ``encoded``: for a snapshot encoded at once, each
        bucket already as JSON (Bucket.as_json) and the post keys seen the live dict, not a
        copy (a busy hour holds millions of them)."""
        return {
            "b": {
                str(i): b.as_json() if encoded else b.to_dict()
                for i, b in sorted(self.buckets.items())
            },
            "seen": self.seen if encoded else dict(self.seen),
            "own": list(self.own_posts),
            "off": [[ts, score, _sample_to_list(sample)] for ts, score, sample in self.off_brand],
            "oh": self.own_history.to_dict(),
            "un": [
                [ts, _sample_to_list(post), lang, reply] for ts, post, lang, reply in self.unread
            ],
        }

    @classmethod
    def from_dict(cls, step: int, data: dict[str, Any]) -> BrandWindows:
        return cls(
            step=step,
            buckets={int(i): Bucket.from_dict(b) for i, b in data["b"].items()},
            seen={str(k): float(v) for k, v in data["seen"].items()},
            own_posts=[float(t) for t in data["own"]],
            off_brand=[
                (float(t), float(sc), _sample_from_list(sa)) for t, sc, sa in data.get("off", [])
            ],
            own_history=OwnHistory.from_dict(data["oh"]) if "oh" in data else OwnHistory(),
            unread=[_unread_from_list(entry) for entry in data.get("un", [])],
        )
