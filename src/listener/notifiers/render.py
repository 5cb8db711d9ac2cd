"""One plain-words rendering of a notification, shared by every channel.

An on-call person must be able to act within 30 seconds of reading a message, so the parts
come in this order: what and how bad (title, what happened now, the headline figure), how
to acknowledge and who is told next if nobody does, what people are saying (the sample
posts), what to do (the playbook), then the figures in full and the details.

:func:`render` returns unescaped text, cleaned of control characters; each channel escapes
it for its own format (Slack mrkdwn, HTML). :func:`to_text` is the plain-text form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Final
from urllib.parse import urlsplit

from listener.notifiers.message import NEEDS_ACTION, Kind, Notification
from listener.records import SamplePost

# C0 and C1 controls become spaces (a newline inside a quote must not start a new line of
# the message); bidirectional overrides and isolates are removed, as they can make a post
# display text in an order other than the one it was written in.
_CONTROLS: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BIDI: Final = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean(text: str) -> str:
    """``text`` on one line: control characters gone, runs of whitespace one space."""
    return " ".join(_BIDI.sub("", _CONTROLS.sub(" ", text)).split())


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL on one line, else None (never linked)."""
    if url is None or clean(url) != url or " " in url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


#: The headings over the brand's own posts an alert quotes: a taken account's, and what the
#: brand published during the wave without answering anyone.
OFF_BRAND_HEADING: Final = "Posted from the brand's own account, not like the brand"
PUBLISHED_HEADING: Final = (
    "Posted by the brand since the wave began, answering nobody: pause scheduled posts"
)


@dataclass(frozen=True, slots=True)
class Sample:
    """A quoted post, as the reader sees it: ``text`` is cleaned but not escaped."""

    text: str
    author: str
    followers: str
    tone: str
    source: str
    url: str | None


@dataclass(frozen=True, slots=True)
class Rendered:
    """A notification in plain words, most important first; nothing here is escaped."""

    subject: str
    title: str
    status: str
    summary: str
    ack: str | None
    ack_url: str | None
    next: str | None
    samples: tuple[Sample, ...]
    #: What the wave is about: the rising words and phrases, "" when none stood out.
    about: str
    #: The brand's own posts that read as someone else's (a compromised account).
    own_posts: tuple[Sample, ...]
    #: The brand's everyday posts since its wave began, answering nobody.
    published: tuple[Sample, ...]
    playbook: tuple[str, ...]
    figures: tuple[tuple[str, str], ...]
    description: str
    details: tuple[tuple[str, str], ...]
    #: The incident's page (http(s) only), None when there is none.
    page_url: str | None = None

    @property
    def own_sections(self) -> tuple[tuple[str, tuple[Sample, ...]], ...]:
        """The brand's own posts to quote before the public ones, under their headings:
        a taken account's, then what the brand published in its wave; none when empty."""
        sections = ((OFF_BRAND_HEADING, self.own_posts), (PUBLISHED_HEADING, self.published))
        return tuple((heading, posts) for heading, posts in sections if posts)


def render(message: Notification, tz: tzinfo = UTC) -> Rendered:
    """The words of ``message``; times are shown in ``tz``."""
    alert = message.alert
    needs_action = message.kind in NEEDS_ACTION
    return Rendered(
        subject=subject(message),
        title=f"{_severity(message).upper()}: {clean(alert.brand_name)} — {_what(message)}",
        status=_status(message, tz),
        summary=summary(alert.figures, alert.baseline, alert.window),
        ack=_ack(message) if needs_action else None,
        ack_url=safe_url(message.ack_url) if needs_action else None,
        next=_next(message, tz) if needs_action else None,
        samples=tuple(_sample(s) for s in alert.samples),
        about=", ".join(clean(term) for term in alert.about),
        own_posts=tuple(_sample(s) for s in alert.own_posts),
        published=tuple(_sample(s) for s in alert.published),
        playbook=tuple(clean(step) for step in message.playbook),
        figures=figures(alert.figures, alert.baseline, alert.window),
        description=clean(alert.description),
        page_url=safe_url(message.page_url),
        details=(
            ("Rule", f"{alert.rule} ({alert.window} window)"),
            ("Condition", clean(alert.condition)),
            ("Condition true since", _when(alert.first_true_at, tz)),
            ("Alert fired", _when(alert.fired_at, tz)),
            ("Owner group", clean(alert.owners)),
            ("Incident", clean(message.incident_id)),
            *((("Notification", clean(message.source_id)),) if message.source_id else ()),
        ),
    )


def window_words(window: str) -> str:
    """A window as read aloud: ``"5m"`` is "5 min", ``"1h30m"`` is "1 h 30 min"."""
    units = {"s": " s", "m": " min", "h": " h", "d": " d"}
    return " ".join(f"{n}{units[u]}" for n, u in re.findall(r"(\d+)([smhd])", window)) or window


def rule_words(rule: str) -> str:
    """A rule name read as words: ``negative-surge`` is "negative surge"."""
    return clean(rule.replace("-", " ").replace("_", " "))


def subject(message: Notification) -> str:
    """One line a person can triage from, built only from severity, brand, rule and figures
    (never from post text): ``[CRITICAL] Intesa Sanpaolo: negative surge — 22 posts vs 1.4
    usual — level 1``."""
    alert = message.alert
    tag = {Kind.ACKNOWLEDGED: "ACKNOWLEDGED", Kind.RESOLVED: "RESOLVED"}.get(
        message.kind, _severity(message).upper()
    )
    suffix = {
        Kind.OPENED: f"level {message.level}",
        Kind.ESCALATED: f"escalated to level {message.level}",
        Kind.REMINDER: f"reminder, level {message.level}",
        Kind.DELIVERY_FAILED: f"others unreachable, level {message.level}",
        Kind.BRAND_SILENT: f"brand silent, level {message.level}",
        Kind.STEP_LATE: f"playbook step late, level {message.level}",
        Kind.ACKNOWLEDGED: f"level {message.level}",
        Kind.RESOLVED: "closed",
    }[message.kind]
    volume, base = alert.figures.get("volume"), alert.baseline.get("volume_baseline")
    parts = [f"[{tag}] {clean(alert.brand_name)}: {_what(message)}"]
    if volume is not None and base is not None:
        parts.append(f"{volume:.0f} posts vs {_usual(base)} usual")
    parts.append(suffix)
    return clean(" — ".join(parts))


def _severity(message: Notification) -> str:
    """The incident's severity, which rises with the evidence; else the alert's."""
    return message.severity or message.alert.severity


def _what(message: Notification) -> str:
    """What the incident is: its risk, and the rule whose alert is quoted."""
    rule = rule_words(message.alert.rule)
    if message.risk is None or rule_words(message.risk) == rule:
        return rule
    return f"{rule_words(message.risk)} ({rule})"


def summary(figs: Mapping[str, float | None], base: Mapping[str, float | None], window: str) -> str:
    """The headline figure against the usual, in one sentence."""
    volume, usual = figs.get("volume"), base.get("volume_baseline")
    if volume is None:
        return "No figures came with this alert."
    words = f"{volume:.0f} posts in {window_words(window)}"
    if usual is not None:
        words += f" vs {_usual(usual)} usual"
    extra = [f"{r:.1f}× usual" for r in [figs.get("volume_ratio")] if r is not None]
    extra += [f"z {z:.1f}" for z in [figs.get("volume_z")] if z is not None]
    if extra:
        words += f" ({', '.join(extra)})"
    share = figs.get("negative_share")
    if share is not None:
        words += f"; {share:.0%} negative"
        usual_share = base.get("negative_share_baseline")
        if usual_share is not None:
            words += f" (usual {usual_share:.0%})"
    return words + "."


def figures(
    figs: Mapping[str, float | None], base: Mapping[str, float | None], window: str
) -> tuple[tuple[str, str], ...]:
    """Every figure the alert carries, each with its usual value where there is one."""
    rows: list[tuple[str, str]] = []
    volume = figs.get("volume")
    if volume is not None:
        text = f"{volume:.0f} in {window_words(window)}"
        if (usual := base.get("volume_baseline")) is not None:
            text += f" vs {_usual(usual)} usual"
        if (ratio := figs.get("volume_ratio")) is not None:
            text += f", {ratio:.1f}× usual"
        if (z := figs.get("volume_z")) is not None:
            text += f", z {z:.1f}"
        rows.append(("Posts", text))
    if (share := figs.get("negative_share")) is not None:
        text = f"{share:.0%} of the posts whose tone is known"
        if (usual := base.get("negative_share_baseline")) is not None:
            text += f"; usual {usual:.0%}"
        rows.append(("Negative", text))
    if (mean := figs.get("mean_sentiment")) is not None:
        text = f"{mean:+.2f} (from -1 very negative to +1 very positive)"
        if (usual := base.get("sentiment_baseline")) is not None:
            text += f"; usual {usual:+.2f}"
        rows.append(("Average tone", text))
    rows.extend(_evidence(figs, base))
    rows.extend(_counts(figs))
    return tuple(rows)


def _evidence(
    figs: Mapping[str, float | None], base: Mapping[str, float | None]
) -> list[tuple[str, str]]:
    """How unlikely the counts are under the usual, the topic, and the brand's silence."""
    rows: list[tuple[str, str]] = []
    negative, usual = figs.get("negative"), base.get("negative_baseline")
    if negative is not None and usual is not None:
        text = f"{negative:.0f} vs {_usual(usual)} usual"
        if surprise := figs.get("negative_surprise"):
            text += f", a count seen by chance once in 10^{surprise:.0f} windows"
        rows.append(("Negative posts", text))
    topic, usual_topic = figs.get("topic"), base.get("topic_baseline")
    if topic and usual_topic is not None:
        rows.append(("Posts on the risk's topic", f"{topic:.0f} vs {_usual(usual_topic)} usual"))
    if silent := figs.get("minutes_silent"):
        rows.append(("Brand silent in this wave", f"{silent:,.0f} min"))
    return rows


def _counts(figs: Mapping[str, float | None]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if (authors := figs.get("unique_authors")) is not None:
        rows.append(("People posting", f"{authors:,.0f}"))
    if (reach := figs.get("reach")) is not None:
        text = f"{reach:,.0f} followers in all"
        if (largest := figs.get("max_author_reach")) is not None:
            text += f"; the most followed author has {largest:,.0f}"
        rows.append(("Reach", text))
    if unknown := figs.get("unknown"):
        rows.append(("Not scored", f"{unknown:,.0f} posts in a language not read yet"))
    if "minutes_since_brand_post" in figs:
        minutes = figs["minutes_since_brand_post"]
        rows.append(
            (
                "Brand's own last post",
                "not seen posting" if minutes is None else f"{minutes:,.0f} min before the alert",
            )
        )
    return rows


def _usual(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"


def _names(message: Notification) -> str:
    names = message.told or tuple(r.name for r in message.recipients)
    return ", ".join(clean(name) for name in names) or "nobody"


def _status(message: Notification, tz: tzinfo) -> str:
    level, names = message.level, _names(message)
    when = _clock(message.at, message.at, tz)
    by = clean(message.acknowledged_by or "") or "someone"
    unreached = ", ".join(clean(u) for u in message.unreached) or "the previous level"
    return {
        Kind.OPENED: f"New incident. Level {level} is told now: {names}.",
        Kind.ESCALATED: f"Nobody has acknowledged yet, so level {level} is told now: {names}.",
        Kind.REMINDER: (
            f"Still not acknowledged: starting again from level {level} "
            f"(round {message.cycle + 1}). Told now: {names}."
        ),
        Kind.ACKNOWLEDGED: f"Acknowledged by {by} at {when}. Nobody else will be told.",
        Kind.RESOLVED: f"Resolved at {when}. Nothing more to do.",
        Kind.DELIVERY_FAILED: (
            f"Could not reach {unreached}. You are told instead (level {level}): {names}."
        ),
        Kind.BRAND_SILENT: (
            f"Escalated early to level {level}: {clean(message.detail) or 'the brand is silent'}. "
            f"Told now: {names}."
        ),
        Kind.STEP_LATE: (
            f"A playbook step is late: {clean(message.detail) or 'no statement yet'}. "
            f"Level {level} is told: {names}."
        ),
    }[message.kind]


def _ack(message: Notification) -> str:
    if safe_url(message.ack_url) is None:
        return "Acknowledge in listener to stop the escalation."
    return "Acknowledge to stop the escalation:"


def _next(message: Notification, tz: tzinfo) -> str:
    step = message.next_step
    if step is None:
        return "This is the last level: nobody else will be told."
    names = ", ".join(clean(n) for n in step.names) or "nobody"
    wait = _in((step.at - message.at).total_seconds())
    return (
        f"If nobody acknowledges by {_clock(step.at, message.at, tz)} ({wait}), "
        f"level {step.level} is told: {names}."
    )


def _in(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes <= 0:
        return "now"
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"in {minutes} min"
    return f"in {hours} h {minutes} min" if minutes else f"in {hours} h"


def _clock(ts: datetime, today: datetime, tz: tzinfo) -> str:
    local = ts.astimezone(tz)
    if local.date() == today.astimezone(tz).date():
        return local.strftime("%H:%M %Z")
    return local.strftime("%d %b %H:%M %Z")


def _when(ts: datetime, tz: tzinfo) -> str:
    return ts.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def _sample(post: SamplePost) -> Sample:
    followers = "" if post.author_followers is None else f"{post.author_followers:,} followers"
    handle = clean(post.author_handle or "")
    return Sample(
        text=clean(post.text),
        author=f"@{handle.lstrip('@')}" if handle else "unknown author",
        followers=followers,
        tone=clean(post.label),
        source=clean(post.source),
        url=safe_url(post.url),
    )


def to_text(page: Rendered) -> str:
    """The plain-text form (email text part, webhook ``text``, logs)."""
    lines = [page.title, page.status, page.summary]
    if page.about:
        lines.append(f"About: {page.about}")
    if page.ack:
        lines += ["", f"{page.ack} {page.ack_url}" if page.ack_url else page.ack]
    if page.next:
        lines.append(page.next)
    if page.page_url:
        lines.append(f"Incident page: {page.page_url}")
    for heading, own in page.own_sections:
        lines += ["", f"{heading}:"]
        lines += [f"  {n}. {sample_byline(s)}: {s.text}" for n, s in enumerate(own, 1)]
    if page.samples:
        lines += ["", "What people are saying:"]
        for number, sample in enumerate(page.samples, 1):
            lines.append(f"  {number}. {sample_byline(sample)}: {sample.text}")
            if sample.url:
                lines.append(f"     {sample.url}")
    if page.playbook:
        lines += ["", "What to do:"]
        lines += [f"  {number}. {step}" for number, step in enumerate(page.playbook, 1)]
    lines += ["", "Figures against the usual:"]
    lines += [f"  {label}: {value}" for label, value in page.figures]
    lines += ["", f"Why: {page.description}", ""]
    lines += [f"{label}: {value}" for label, value in page.details]
    return "\n".join(lines) + "\n"


def sample_byline(sample: Sample) -> str:
    """Who wrote a sample and how far it reaches: ``@handle (12,300 followers, negative)``."""
    facts = [f for f in (sample.followers, sample.tone, sample.source) if f]
    return f"{sample.author} ({', '.join(facts)})" if facts else sample.author
