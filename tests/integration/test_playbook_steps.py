"""A playbook step that expects a statement, checked against the stream by a real worker:
the brand's own answer meets it; without one, or with only an offer posted in the wave, the
next level is told by email that the step is late, and the incident records both; the
pages quote the offer, for the team to pause what is scheduled."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from test_incidents_delivery import RULES, START, post, scenario
from test_incidents_setup import StandIns, stand_ins, write_rules

from listener.replay.driver import ReplayResult, cluster, replay_through
from listener.settings import Settings

pytestmark = pytest.mark.timeout(240)
PLAYBOOK = """
    playbook:
      - Read the sample posts and name the cause in one sentence.
      - step: Publish a holding statement.
        expect: statement
        within: 5m
"""


STATEMENT = "We know, we are on it."
OFFER = "Open a savings account this week and get a 50 pound welcome bonus."


def own_post(minute: float, text: str) -> bytes:
    data = orjson.loads(post(500, START + timedelta(minutes=minute), text))
    data.update(author_handle="acmebank", author_id="acmebank-id", author_followers=50_000)
    return orjson.dumps(data)


async def replay(
    servers: StandIns, tmp_path: Path, statement_at: float | None, text: str = STATEMENT
) -> ReplayResult:
    files = dict(RULES)
    risks = files["risks.yaml"]
    start = risks.index("    playbook:")
    end = risks.index("alert_rules:")
    files["risks.yaml"] = risks[:start] + PLAYBOOK.lstrip("\n") + risks[end:]
    rules = write_rules(tmp_path / "rules", servers.smtp_port, files)
    path = scenario(tmp_path / "wave.jsonl", 60)
    if statement_at is not None:  # in its place in time, as a source delivers it
        lines = [*path.read_bytes().splitlines(), own_post(statement_at, text)]
        lines.sort(key=lambda line: orjson.loads(line)["created_at"])
        path.write_bytes(b"\n".join(lines) + b"\n")
    settings = Settings(rules_dir=rules, partitions=1, data_dir=tmp_path)
    async with cluster(settings, tmp_path / "run", env=servers.env) as group:
        return await replay_through(group, path, 60)


def transitions(result: ReplayResult, kind: str) -> list[dict]:
    return [r["transition"] for r in result.transitions if r["transition"]["kind"] == kind]


async def test_a_statement_from_the_own_account_meets_the_step(tmp_path: Path) -> None:
    with stand_ins() as servers:
        result = await replay(servers, tmp_path, statement_at=4.0)
        (seen,) = transitions(result, "statement_seen")
        assert "from its own account" in seen["detail"]
        (met,) = transitions(result, "step_met")
        assert "Publish a holding statement." in met["detail"] and "late" not in met["detail"]
        assert transitions(result, "step_late") == []
        late_mails = [m for m in servers.mails() if "playbook step late" in str(m["Subject"])]
        assert late_mails == []


async def test_without_a_statement_the_next_level_hears_that_the_step_is_late(
    tmp_path: Path,
) -> None:
    with stand_ins() as servers:
        result = await replay(servers, tmp_path, statement_at=None)
        assert transitions(result, "statement_seen") == []
        (late,) = transitions(result, "step_late")
        # Five minutes after the first page, before level 2 is paged for want of an answer.
        assert late["level"] == 2 and "no statement from the brand within 5m" in late["detail"]
        (paged,) = [t for t in transitions(result, "paged") if t["level"] == 1]
        assert late["event_at"] == paged["event_at"] + 5 * 60
        mails = [m for m in servers.mails() if "giulia@" in str(m["To"])]
        subjects = [str(m["Subject"]) for m in mails]
        assert sum("playbook step late, level 2" in s for s in subjects) == 1, subjects


async def test_an_offer_from_the_own_account_is_no_statement_and_the_pages_quote_it(
    tmp_path: Path,
) -> None:
    with stand_ins() as servers:
        result = await replay(servers, tmp_path, statement_at=0.5, text=OFFER)
        assert transitions(result, "statement_seen") == []
        (late,) = transitions(result, "step_late")
        assert late["level"] == 2
        quoting = [a for a in result.alerts if [s.text for s in a.published] == [OFFER]]
        assert quoting and quoting[0] == min(result.alerts, key=lambda a: a.fired_at)
        first = next(m for m in servers.mails() if "level 1" in str(m["Subject"]))
        plain = first.get_body(("plain",))
        assert plain is not None
        body = plain.get_content()
        heading = "Posted by the brand since the wave began, answering nobody: pause"
        assert heading in body and OFFER in body[body.index(heading) :]
