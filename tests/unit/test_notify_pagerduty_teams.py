"""PagerDuty and Teams without a network: their configuration and its checks, the Events
API v2 body of each kind, and the routes a group's channels give."""

from __future__ import annotations

from datetime import UTC

import httpx
import pytest
import yaml
from notify_samples import make_notification
from pydantic import ValidationError

from listener.errors import ConfigError
from listener.notifiers import GroupChannels, Notifiers, NotifiersConfig, check_channels, plan
from listener.notifiers.delivery import DeliveryResult
from listener.notifiers.email.compose import to_html
from listener.notifiers.fanout import build_notifiers, unreached, unreached_people
from listener.notifiers.message import Kind
from listener.notifiers.pagerduty import event
from listener.notifiers.render import render, to_text
from listener.notifiers.slack import SlackThreads
from listener.notifiers.slack.format import payload
from listener.notifiers.teams import message_body

CONFIG = """
pagerduty:
  bank-oncall:
    routing_key_env: LISTENER_PD_BANK_KEY
teams:
  crisis-room:
    url_env: LISTENER_TEAMS_CRISIS_URL
    timeout: 5s
"""


def config() -> NotifiersConfig:
    return NotifiersConfig.model_validate(yaml.safe_load(CONFIG))


class Quiet:
    async def send(self, message: object) -> None:
        return None


@pytest.mark.parametrize(
    ("kind", "action"),
    [(Kind.OPENED, "trigger"), (Kind.ESCALATED, "trigger"), (Kind.REMINDER, "trigger"),
     (Kind.BRAND_SILENT, "trigger"), (Kind.ACKNOWLEDGED, "acknowledge"),
     (Kind.RESOLVED, "resolve")],
)  # fmt: skip
def test_each_kind_is_one_event_on_the_incidents_alert(kind: Kind, action: str) -> None:
    body = event(make_notification(kind), "key", UTC)
    assert (body["event_action"], body["dedup_key"], body["routing_key"]) == (
        action,
        "inc-7f3a",
        "key",
    )
    assert ("payload" in body) is (action == "trigger")


def test_a_trigger_names_the_severity_as_pagerduty_does_and_never_quotes_a_post() -> None:
    message = make_notification(severity="major")
    body = event(message, "key", UTC)
    payload = body["payload"]
    assert payload["severity"] == "error"
    assert payload["class"] == message.alert.rule and len(payload["summary"]) <= 1024
    for sample in message.alert.samples:
        assert sample.text not in str(body)
    assert "ack" not in str(body).lower().replace("acknowledge", "")


def test_the_channels_load_and_a_group_names_them_with_a_hint() -> None:
    loaded = config()
    assert set(loaded.pagerduty) == {"bank-oncall"} and loaded.teams["crisis-room"].timeout == 5
    groups = {"bank": GroupChannels(pagerduty=("bank-oncal",), teams=("crisis-room", "bridge"))}
    issues = [str(i) for i in check_channels(loaded, groups, "owners.yaml")]
    assert issues == [
        'owners.yaml: groups.bank.channels.pagerduty[0]: undefined PagerDuty service "bank-oncal";'
        ' did you mean "bank-oncall"?',
        'owners.yaml: groups.bank.channels.teams[1]: undefined Teams channel "bridge"',
    ]


@pytest.mark.parametrize(
    "data",
    [{"pagerduty": {"p": {}}}, {"pagerduty": {"p": {"routing_key": "abc"}}},
     {"teams": {"t": {"url": "https://x.example"}}}],
)  # fmt: skip
def test_a_key_or_url_is_only_ever_named_by_variable(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        NotifiersConfig.model_validate(data)


async def test_unset_variables_are_reported_together() -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(ConfigError) as caught:
            build_notifiers(config(), {"LISTENER_TEAMS_CRISIS_URL": "nope"}, client, SlackThreads())
    assert [i.key for i in caught.value.issues] == [
        "LISTENER_PD_BANK_KEY",
        "LISTENER_TEAMS_CRISIS_URL",
    ]
    assert "nope" not in str(caught.value)


def test_a_group_gets_one_delivery_per_service_and_room_and_nobody_is_unreached_by_them() -> None:
    notifiers = Notifiers(pagerduty={"bank-oncall": Quiet()}, teams={"crisis-room": Quiet()})
    routes = plan(
        make_notification(), notifiers, pagerduty=("bank-oncall",), teams=("crisis-room",)
    )
    assert [(r.where.channel, r.where.target) for r in routes] == [
        ("pagerduty", "bank-oncall"), ("teams", "crisis-room"),
    ]  # fmt: skip
    failed = [DeliveryResult("k", r.where.channel, r.where.target, "failed") for r in routes]
    assert unreached(routes, failed) == ("PagerDuty bank-oncall", "Teams crisis-room")
    assert unreached_people(routes, failed) == ()
    assert notifiers.for_target(routes[0].where) is notifiers.pagerduty["bank-oncall"]


def test_every_channel_links_the_incident_page_when_there_is_one() -> None:
    url = "https://listener.example.com/board/incidents/inc-7f3a"
    message = make_notification(page_url=url)
    page = render(message)
    assert f"Incident page: {url}" in to_text(page)
    assert f'<a href="{url}">Incident page</a>' in to_html(page)
    assert f"<{url}|Incident page>" in str(payload(page, message))
    card = message_body(message, UTC)["attachments"][0]["content"]
    assert card["actions"][0] == {"type": "Action.OpenUrl", "title": "Incident page", "url": url}
    assert event(message, "key", UTC)["links"] == [{"href": url, "text": "Incident page"}]
    bare = make_notification()
    assert "Incident page" not in to_text(render(bare)) and "links" not in event(bare, "k", UTC)
    hostile = render(make_notification(page_url="javascript:alert(1)"))
    assert hostile.page_url is None
