"""One brand's recent posts, in event-time buckets of one window step.

A hopping window of size W ending at a step boundary is the sum of the W/step buckets
before it, so every window size is served by the same buckets and a post is added once.
Each post key is remembered for the longest window, so a post delivered twice (a
redelivery after a restart, or the same post fetched twice) is counted once.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from listener.records import Counted, SamplePost, ScoredPost
from listener.windows.counting.bucket import (
    Bucket,
    WindowSums,
    counted,
    sample_from_list,
    sample_to_list,
    sums_of,
    top_samples,
)
from listener.windows.counting.running import Running, counts
from listener.windows.counting.words import TopicIndex, merge, terms, words
from listener.windows.learning.own import OwnHistory, read


def _unread_from_list(entry: list[Any]) -> tuple[float, SamplePost, str | None, bool]:
    """An unread own post of a snapshot; one written before replies were told apart holds
    no flag, and counts as the brand answering, as every on-brand own post did then."""
    reply = bool(entry[3]) if len(entry) > 3 else True
    return float(entry[0]), sample_from_list(entry[1]), entry[2], reply


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
    #: one before it (snapshotted as "own"). Its everyday publishing is kept apart.
    answers: list[float] = field(default_factory=list)
    #: The brand's own posts that read as off-brand: (time, score, the post), ascending.
    off_brand: list[tuple[float, float, SamplePost]] = field(default_factory=list)
    #: The brand's everyday posts, reading as the brand but answering nobody (an offer, a
    #: launch): (time, the post), ascending, the horizon's only.
    published: list[tuple[float, SamplePost]] = field(default_factory=list)
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
                bisect.insort(self.answers, ts)
            else:
                bisect.insort(self.published, (ts, post), key=lambda e: (e[0], e[1].key))

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

    def published_between(self, since: float, until: float) -> list[SamplePost]:
        """The everyday own posts of ``[since, until)``, newest first."""
        if not self.published:
            return []
        return [post for ts, post in reversed(self.published) if since <= ts < until]

    def brand_last_post(self, end: float) -> float | None:
        """The brand's last answer before ``end`` (an own post that answers people: see
        ``answers``): a post read early (a replay delivers tomorrow's statement before
        today's windows are judged) must not count yet."""
        index = bisect.bisect_left(self.answers, end)
        return self.answers[index - 1] if index else None

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
        keep = bisect.bisect_left(self.answers, before)
        del self.answers[: max(0, keep - 1)]  # the last one before the horizon still counts
        if self.off_brand:
            self.off_brand = [entry for entry in self.off_brand if entry[0] >= before]
        if self.published:
            self.published = [entry for entry in self.published if entry[0] >= before]
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
            "own": list(self.answers),
            "off": [[ts, score, sample_to_list(sample)] for ts, score, sample in self.off_brand],
            "pub": [[ts, sample_to_list(sample)] for ts, sample in self.published],
            "oh": self.own_history.to_dict(),
            "un": [
                [ts, sample_to_list(post), lang, reply] for ts, post, lang, reply in self.unread
            ],
        }

    @classmethod
    def from_dict(cls, step: int, data: dict[str, Any]) -> BrandWindows:
        return cls(
            step=step,
            buckets={int(i): Bucket.from_dict(b) for i, b in data["b"].items()},
            seen={str(k): float(v) for k, v in data["seen"].items()},
            answers=[float(t) for t in data["own"]],
            off_brand=[
                (float(t), float(sc), sample_from_list(sa)) for t, sc, sa in data.get("off", [])
            ],
            published=[(float(t), sample_from_list(sa)) for t, sa in data.get("pub", [])],
            own_history=OwnHistory.from_dict(data["oh"]) if "oh" in data else OwnHistory(),
            unread=[_unread_from_list(entry) for entry in data.get("un", [])],
        )
