"""A worker on the embedded broker tells crisis owners on a real local Slack stand-in and a
real SMTP server: what they read, that a post cannot act, retries, and what happens when a
page cannot be delivered at all.

The scenario is small: a burst of angry posts about one brand, then a trickle long enough
for level 2 to fall due, then quiet until the incident closes on its own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest
from notify_servers import Answer
from test_incidents_setup import (
    ACK_SECRET,
    API_KEY,
    HOOK_SECRET,
    WEBHOOK_PATH,
    StandIns,
    counted,
    mail_html,
    mail_text,
    notification_id,
    stand_ins,
    write_rules,
)

from listener.broker.topics import TopicNames
from listener.notifiers.webhook import verify
from listener.replay.collect import read_all
from listener.replay.driver import ReplayResult, cluster, replay_through
from listener.settings import Settings

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
ROME = ZoneInfo("Europe/Rome")
HOSTILE = "Acme Bank <!channel> @here <http://evil.example|click> terrible scam, I hate them"

RULES = {
    "brands.yaml": """
brands:
  acme_bank:
    name: Acme Bank
    terms: [acme bank]
    own_accounts: ["@acmebank"]
    owners: bank-care
    baseline: {volume_per_hour: 6}
""",
    "owners.yaml": """
people:
  maria.rossi: {name: Maria Rossi, slack: U012AB3CD, email: maria.rossi@example.com}
  luca.bianchi:
    {name: Luca Bianchi, slack: "@luca.bianchi", email: luca@example.com, channels: [slack]}
  giulia.conti:
    {name: Giulia Conti, slack: "@giulia.conti", email: giulia@example.com, channels: [email]}
groups:
  bank-care:
    description: Acme Bank social care
    levels:
      - {after: 0m, notify: [maria.rossi, luca.bianchi]}
      - {after: 10m, notify: [giulia.conti]}
    channels: {webhooks: [ops-bridge]}
""",
    "alerts.yaml": """
windows: {sizes: [5m], step: 1m}
rules:
  - name: angry-crowd
    description: Many angry posts about the brand in five minutes.
    brands: "*"
    window: 5m
    when: volume >= 10 and negative >= 5
    severity: critical
    cooldown: 1h
""",
    "risks.yaml": """
risks:
  online-firestorm:
    description: A wave of angry posts about the brand.
    likelihood: 3
    impact: 5
    resolve_after: 10m
    playbook:
      - Read the sample posts and name the cause in one sentence.
alert_rules:
  angry-crowd: {risk: online-firestorm}
""",
}


def post(n: int, at: datetime, text: str, followers: int = 100) -> bytes:
    return orjson.dumps(
        {
            "id": str(n),
            "source": "x",
            "created_at": at.isoformat(),
            "text": text,
            "author_id": f"author-{n}",
            "author_handle": f"user{n}",
            "author_followers": followers,
            "url": f"https://x.example/status/{n}",
            "lang": "en",
        }
    )


def scenario(path: Path, minutes: int) -> Path:
    """30 angry posts in two minutes (the first hostile and widely read), then one calm
    post every ten minutes, the brand's usual, for ``minutes`` minutes (a wave ends after
    an hour of calm, and its incident resolve_after later), the last with a second one a
    second after it."""
    lines = [post(0, START, HOSTILE, followers=900_000)]
    lines += [
        post(n, START + timedelta(seconds=4 * n), "Acme Bank is a terrible awful scam, I hate it")
        for n in range(1, 30)
    ]
    lines += [
        post(100 + m, START + timedelta(minutes=2 + m), "Acme Bank branch hours on Saturday?")
        for m in range(0, minutes, 10)
    ]
    # Event time moves as far as two posts agree, never to one post alone: the last calm
    # post gets a second one beside it, or the stream's last minutes are not over.
    last = START + timedelta(minutes=2 + (minutes - 1) // 10 * 10, seconds=1)
    lines.append(post(99, last, "Acme Bank open on Sunday too?"))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.fixture
def servers() -> Iterator[StandIns]:
    with stand_ins() as found:
        yield found


async def run(
    servers: StandIns, tmp_path: Path, minutes: int = 100
) -> tuple[ReplayResult, Settings, dict[str, float]]:
    rules = write_rules(tmp_path / "rules", servers.smtp_port, RULES)
    # One partition: a few dozen posts would leave others empty, holding the clock back.
    settings = Settings(rules_dir=rules, partitions=1, data_dir=tmp_path)
    async with cluster(settings, tmp_path / "run", env=servers.env) as group:
        result = await replay_through(group, scenario(tmp_path / "burst.jsonl", minutes), 60)
        counts = {
            f"{what} {channel}": await counted(group, f"listener_notifications_{what}_total",
                                               channel=channel)
            for what in ("sent", "retried", "failed") for channel in ("slack", "email")
        }  # fmt: skip
        everything = b""
        for topic in TopicNames.for_settings(settings).all():
            everything += b"".join(value for *_, value in await read_all(group.bootstrap, topic))
        log = b"".join(w.log_file.read_bytes() for w in group.workers)
    for secret in (WEBHOOK_PATH, ACK_SECRET, API_KEY, HOOK_SECRET):
        assert secret.encode() not in everything, "a secret went onto a topic"
        assert secret.encode() not in log, "a secret went into the worker's log"
    return result, settings, counts


def kinds(result: ReplayResult) -> list[tuple[str, int | None, str]]:
    return [
        (r["transition"]["kind"], r["transition"]["level"], r["transition"]["event_at"])
        for r in result.transitions
    ]


async def test_owners_read_the_page_on_slack_and_by_email_with_the_post_inert(
    servers: StandIns, tmp_path: Path
) -> None:
    # Slack is busy, then asks to wait a second; the message is tried again each time.
    servers.slack.answers.extend([Answer(500), Answer(429, headers={"Retry-After": "1"})])
    clock = time.time() - time.monotonic()
    result, _, counts = await run(servers, tmp_path)
    steps = [(kind, level) for kind, level, _ in kinds(result)]
    assert steps[:3] == [("opened", None), ("paged", 1), ("paged", 2)]
    assert steps[-1] == ("resolved", None)
    opened_at = datetime.fromtimestamp(kinds(result)[0][2], UTC)
    assert kinds(result)[2][2] == kinds(result)[1][2] + 600  # level 2: ten minutes later

    # The first request was answered 500, the second 429: each was sent again, the second
    # no sooner than asked; every notification was accepted once in the end.
    seen = servers.slack.seen
    ids = [notification_id(s.json()) for s in seen]
    assert len(ids) == len(set(ids)) + 2
    assert ids[0] in ids[1:]
    again = next(s for s, i in zip(seen[2:], ids[2:], strict=True) if i == ids[1])
    assert again.at - seen[1].at >= 1.0
    assert all(s.path == WEBHOOK_PATH for s in seen)
    page = next(s for s in reversed(seen) if "level 1" in s.json()["text"])
    # From the alert leaving the window agent to the first try at the Slack stand-in.
    tried = next(s for s in seen if "level 1" in s.json()["text"]).at + clock
    latency = tried - result.alerts[0].emitted_at.timestamp()
    print(f"\nalert emitted -> first page request at the Slack stand-in: {latency * 1000:.0f} ms")
    assert 0 < latency < 3.0
    assert page.json()["text"].startswith("[CRITICAL] Acme Bank: online firestorm (angry crowd)")
    raw = page.body.decode()
    assert "<!channel>" not in raw and "<http://evil" not in raw
    assert "&lt;!channel&gt;" in raw and "&lt;http://evil.example|click&gt;" in raw
    assert "<@U012AB3CD>" in raw  # the one mention: the person paged, from owners.yaml
    assert "Read the sample posts and name the cause" in raw
    assert f"Alert fired: {opened_at.astimezone(ROME):%Y-%m-%d %H:%M}" in raw

    mails = {(str(m["To"]), str(m["Subject"])): m for m in servers.mails()}
    maria = next(
        m for (to, subject), m in mails.items() if "maria.rossi@" in to and "level 1" in subject
    )
    subject = str(maria["Subject"])
    assert subject.startswith("[CRITICAL] Acme Bank: online firestorm (angry crowd) — ")
    assert "scam" not in str(maria["Subject"]) and "channel" not in str(maria["Subject"])
    assert "Level 1 is told now: Maria Rossi, Luca Bianchi." in mail_text(maria)
    assert "&lt;!channel&gt;" in mail_html(maria) and "<!channel>" not in mail_html(maria)
    assert "/incidents/" in mail_text(maria) and "token=" in mail_text(maria)
    giulia = [m for (to, _), m in mails.items() if "giulia@" in to]
    assert any("escalated to level 2" in str(m["Subject"]) for m in giulia)
    assert not any("luca@" in to for to, _ in mails)  # told on Slack only
    # The ops bridge got every notification once, signed, the post text as written.
    hooks = [(seen.headers, seen.body) for seen in servers.hook.seen]
    assert all(verify(HOOK_SECRET.encode(), raw, h["x-listener-signature"]) for h, raw in hooks)
    sources = [orjson.loads(raw)["notification"]["source_id"] for _, raw in hooks]
    assert len(sources) == len(set(sources)) == 3  # opened, level 2, resolved
    assert set(ids) <= set(sources)
    for (headers, _), source in zip(hooks, sources, strict=True):
        assert source in headers["x-listener-delivery"]
    assert any(HOSTILE in raw.decode() for _, raw in hooks)
    assert counts["retried slack"] == 2  # two attempts tried again
    assert counts["failed slack"] == counts["failed email"] == 0
    # Slack: the opening page, the news that it resolved; email: Maria twice, Giulia twice.
    assert (counts["sent slack"], counts["sent email"]) == (2, 4)


async def test_a_page_nobody_receives_is_dead_lettered_and_the_next_level_told(
    servers: StandIns, tmp_path: Path
) -> None:
    servers.slack.default = Answer(500, b"internal_error")
    # Short enough that the incident is still open when the failure is known: a replay
    # runs through event time faster than Slack is retried.
    result, _, counts = await run(servers, tmp_path, minutes=6)
    failed = [r for r in result.dead_letters if r.reason == "notification_failed"]
    assert failed, result.dead_letters
    attempts = orjson.loads(failed[0].payload)["attempts"]
    assert [a["outcome"] for a in attempts] == ["retrying", "retrying", "gave_up"]
    assert all(a["channel"] == "slack" and "HTTP 500" in a["error"] for a in attempts)
    # Luca hears only on Slack: the engine records it and tells level 2 at once.
    failures = [r for r in result.transitions if r["transition"]["kind"] == "delivery_failed"]
    assert failures and "luca.bianchi could not be reached" in failures[0]["transition"]["detail"]
    told = [m for m in servers.mails() if "giulia@" in str(m["To"])]
    instead = [m for m in told if "others unreachable, level 2" in str(m["Subject"])]
    assert instead, [str(m["Subject"]) for m in told]
    assert "Could not reach Luca Bianchi (slack: Slack webhook: HTTP 500" in mail_text(instead[0])
    # Maria was reached by email all the same, and nobody is told twice.
    maria = [str(m["Subject"]) for m in servers.mails() if "maria.rossi@" in str(m["To"])]
    assert len(maria) == len(set(maria))
    assert counts["failed slack"] >= 1 and counts["retried slack"] >= 2
    assert counts["sent email"] >= 2 and counts["failed email"] == 0
