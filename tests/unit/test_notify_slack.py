"""Slack Block Kit: a post can never ping, link, or reach beyond its own quote."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from notify_samples import HOSTILE, make_alert, make_notification, sample
from pydantic import ValidationError

from listener.notifiers.message import Recipient
from listener.notifiers.render import render
from listener.notifiers.slack import SlackConfig, SlackThreads, Thread, escape, payload
from listener.notifiers.slack.format import MAX_TEXT, WORD_JOINER, link, mention

_TOKEN = re.compile(r"<([^>]*)>")


def texts(value: Any) -> Iterator[str]:
    """Every string Slack will parse in a payload."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def test_a_hostile_post_arrives_inert() -> None:
    message = make_notification()
    body = payload(render(message), message)
    tokens = {t for text in texts(body) for t in _TOKEN.findall(text)}
    # The only control sequences are the ones built from the configuration.
    assert tokens == {
        "@U012AB3CD",
        "https://listener.example.com/incidents/inc-7f3a/ack?t=abc&amp;l=1|Acknowledge",
        "https://twitter.example/status/1|open post",
        "https://twitter.example/status/2|open post",
        "https://twitter.example/status/3|open post",
    }
    quoted = next(t for t in texts(body) if "channel" in t)
    assert quoted.startswith("&gt; &lt;!channel&gt; @\u2060here &lt;@\u2060U999EVIL&gt;")
    assert "&lt;http://evil.example|click&gt; &amp;" in quoted
    assert "`" not in quoted and "\r" not in quoted and "\n" not in quoted
    assert not any(re.search(r"@(here|channel|everyone)\b", t) for t in texts(body))


def test_post_text_sits_alone_in_a_verbatim_text_object() -> None:
    message = make_notification()
    blocks = payload(render(message), message)["blocks"]
    quotes = [b["text"] for b in blocks if b.get("text", {}).get("text", "").startswith("&gt;")]
    assert len(quotes) == 3
    assert all(q["verbatim"] is True for q in quotes)
    assert (
        quotes[0]["text"] == "&gt; Bancomat fuori uso in tutta Torino, nessuno risponde al telefono"
    )


def test_the_notification_preview_is_the_subject() -> None:
    message = make_notification(alert=make_alert(samples=(sample(1, HOSTILE),)))
    assert payload(render(message), message)["text"] == (
        "[CRITICAL] Intesa Sanpaolo: negative surge — 22 posts vs 1.4 usual — level 1"
    )


def test_figures_playbook_and_next_level_are_in_the_message() -> None:
    message = make_notification()
    joined = "\n".join(texts(payload(render(message), message)))
    for needle in (
        "22 in 5 min vs 1.4 usual",
        "64%",
        "*What to do*\n1. Check the branch",
        "level 2 is told: Giulia Conti",
        "Incident: inc-7f3a",
    ):
        assert needle in joined


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a & b < c > d", "a &amp; b &lt; c &gt; d"),
        ("&amp;", "&amp;amp;"),
        (
            "@here @channel @everyone",
            f"@{WORD_JOINER}here @{WORD_JOINER}channel @{WORD_JOINER}everyone",
        ),
        ("mail me at a@b.it", f"mail me at a@{WORD_JOINER}b.it"),
        ("``` x ```", "\u02cb\u02cb\u02cb x \u02cb\u02cb\u02cb"),
        ("two\nlines", "two lines"),
        ("just @ alone", "just @ alone"),
    ],
)
def test_escape(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped


def test_a_link_cannot_be_split_by_its_url() -> None:
    assert link("https://x.example/a|b>c<d&e", "open") == (
        "<https://x.example/a%7Cb%3Ec%3Cd&amp;e|open>"
    )
    assert link("javascript:alert(1)", "open <now>") == "open &lt;now&gt;"


def test_only_member_ids_from_the_rules_ping() -> None:
    assert mention(Recipient("m", "Maria", slack="U012AB3CD")) == "<@U012AB3CD>"
    assert mention(Recipient("m", "Maria", slack="U012AB3CD\n")) == "Maria (U012AB3CD)"
    assert mention(Recipient("l", "Luca", slack="@luca")) == f"Luca (@{WORD_JOINER}luca)"
    assert mention(Recipient("g", "<!here>")) == "&lt;!here&gt;"


def test_a_long_post_is_cut_to_what_slack_accepts() -> None:
    message = make_notification(alert=make_alert(samples=(sample(1, "&" * 2000),)))
    lengths = [len(t) for t in texts(payload(render(message), message))]
    assert max(lengths) <= MAX_TEXT


def test_threads_survive_their_json_form() -> None:
    threads = SlackThreads()
    threads.start("inc-1", Thread("C123", "1700000000.000100"))
    threads.start("inc-1", Thread("C999", "1.0"))  # the first message stays the root
    again = SlackThreads.from_dict(threads.to_dict())
    assert again.get("inc-1") == Thread("C123", "1700000000.000100")
    again.forget("inc-1")
    assert again.get("inc-1") is None


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"webhook_url_env": "A", "bot_token_env": "B", "channel": "#x"},
        {"bot_token_env": "B"},
        {"webhook_url_env": "A", "channel": "#x"},
        {"bot_token_env": "B", "channel": "crisis"},
        {"bot_token_env": "lower-case", "channel": "#x"},
        {"webhook_url_env": "A", "token": "xoxb-1"},
        {"bot_token_env": "B", "channel": "#x", "api_url": "ftp://slack.example"},
    ],
)
def test_slack_config_refuses_what_cannot_work(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SlackConfig.model_validate(data)


def test_slack_config_reads_durations_and_is_frozen() -> None:
    config = SlackConfig.model_validate(
        {"bot_token_env": "LISTENER_SLACK_BOT_TOKEN", "channel": "#crisis", "timeout": "5s"}
    )
    assert config.timeout == 5
    with pytest.raises(ValidationError):
        config.channel = "#other"


def test_rising_terms_and_own_posts_arrive_inert() -> None:
    own = sample(9, HOSTILE, author_handle="acme_bank")
    alert = make_alert(about=("<!channel>", "video"), own_posts=(own,))
    message = make_notification(alert=alert)
    body = payload(render(message), message)
    joined = "\n".join(texts(body))
    assert "*About:* &lt;!channel&gt;, video" in joined
    assert "*Posted from the brand's own account, not like the brand*" in joined
    published = make_alert(published=(sample(4, "<!here> sale", author_handle="acme"),))
    message = make_notification(alert=published)
    joined = "\n".join(texts(payload(render(message), message)))
    assert "*Posted by the brand since the wave began, answering nobody: pause" in joined
    assert "&gt; &lt;!here&gt; sale" in joined
    assert not any(re.search(r"<!channel>|@(here|channel|everyone)\b", t) for t in texts(body))
