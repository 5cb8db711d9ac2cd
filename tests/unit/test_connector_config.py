"""Loading connectors/: every problem reported with its file and key, secrets only by the
name of an environment variable, and read from it at load."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from listener.connectors.loader import load_connectors
from listener.connectors.sources.hackernews.config import HackerNewsConfig
from listener.connectors.sources.mastodon.config import MastodonConfig
from listener.connectors.sources.reddit.config import RedditConfig
from listener.connectors.sources.webhook.config import WebhookConfig
from listener.errors import ConfigError

SHIPPED = Path(__file__).resolve().parents[2] / "connectors"

REDDIT = """
    kind: reddit
    client_id_env: TEST_REDDIT_ID
    client_secret_env: TEST_REDDIT_SECRET
    user_agent: "linux:it.example.listener:0.1 (by /u/example)"
    search: ["acme bank"]
    subreddits: [italy]
    comments: true
    poll_interval: 2m
    budget: {requests: 30, per: 1m}
"""


def write(directory: Path, **files: str) -> Path:
    for name, text in files.items():
        (directory / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return directory


def problems(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_connectors(directory)
    return [str(issue) for issue in caught.value.issues]


def test_a_valid_directory_loads_with_secrets_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_REDDIT_ID", "id-123")
    monkeypatch.setenv("TEST_REDDIT_SECRET", "s3cret")
    write(tmp_path, **{"reddit-italy": REDDIT, "hn": "kind: hackernews\nqueries: [acme]\n"})
    instances = {i.name: i for i in load_connectors(tmp_path)}
    reddit = instances["reddit-italy"].config
    assert isinstance(reddit, RedditConfig)
    assert reddit.client_secret.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(reddit)
    assert reddit.poll_interval == 120.0 and reddit.budget is not None
    assert reddit.budget.per == 60.0 and reddit.subreddits == ("italy",)
    hn = instances["hn"].config
    assert isinstance(hn, HackerNewsConfig) and hn.base_url == "https://hn.algolia.com"


def test_missing_variables_and_pasted_secrets_are_reported_without_the_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_REDDIT_ID", raising=False)
    text = REDDIT.replace("TEST_REDDIT_SECRET", "x8Hq-pasted-secret")
    found = problems(write(tmp_path, r=text))
    label = str(tmp_path / "r.yaml")
    assert f"{label}: client_id_env: environment variable TEST_REDDIT_ID is not set" in found
    secret = [line for line in found if "client_secret_env" in line]
    assert secret and "NAME of an environment variable" in secret[0]
    assert not any("x8Hq" in line for line in found)


def test_every_mistake_in_every_file_at_once(tmp_path: Path) -> None:
    write(
        tmp_path,
        a="kind: reddt\n",
        b="kind: hackernews\nqueries: []\npoll_intervall: 1m\n",
        c="kind: mastodon\ninstance: mastodon.social\nhashtags: ['#ok', 'not a tag']\n",
        d="kind: hackernews\nqueries: [x]\npoll_interval: 60\n",
        e="queries: [x]\n",
        Bad_Name="kind: hackernews\nqueries: [x]\n",
    )
    found = problems(tmp_path)
    text = "\n".join(found)
    assert 'a.yaml: kind: unknown kind "reddt" (did you mean "reddit"?)' in text
    assert 'b.yaml: unknown key "poll_intervall" (did you mean "poll_interval"?)' in text
    assert "b.yaml: queries:" in text
    assert "c.yaml: instance: 'mastodon.social' is not an http:// or https:// URL" in text
    assert "c.yaml: hashtags[1]:" in text
    assert 'd.yaml: poll_interval: write a duration such as "90s"' in text
    assert 'e.yaml: missing required key "kind"' in text
    assert "Bad_Name.yaml: the file name is the instance name" in text


def test_two_webhooks_on_one_port_and_an_empty_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "holds no connector files" in problems(tmp_path)[0]
    monkeypatch.setenv("TEST_INGEST_TOKEN", "t")
    hook = "kind: webhook\nport: 8088\ntoken_env: TEST_INGEST_TOKEN\n"
    found = problems(write(tmp_path, one=hook, two=hook))
    assert found == [
        f"{tmp_path / 'two.yaml'}: port: port 8088 is also used by {tmp_path / 'one.yaml'}"
    ]


def test_durations_in_milliseconds_and_hashtags_with_or_without_hash(tmp_path: Path) -> None:
    write(
        tmp_path,
        m="kind: mastodon\ninstance: https://m.example/\nhashtags: ['#acme', bank]\nbatch: 250ms\n",
    )
    (instance,) = load_connectors(tmp_path)
    config = instance.config
    assert isinstance(config, MastodonConfig)
    assert config.hashtags == ("acme", "bank") and config.batch == 0.25
    assert config.instance == "https://m.example"


def test_the_shipped_examples_load(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "REDDIT_CLIENT_ID",
        "REDDIT_CLIENT_SECRET",
        "LISTENER_INGEST_TOKEN",
        "MASTODON_ACCESS_TOKEN",
    ):
        monkeypatch.setenv(name, "value")
    instances = load_connectors(SHIPPED)
    assert {type(i.config) for i in instances} >= {RedditConfig, WebhookConfig}


def test_a_switched_off_instance_may_lack_its_secrets_but_not_their_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_REDDIT_ID", raising=False)
    monkeypatch.delenv("TEST_REDDIT_SECRET", raising=False)
    write(tmp_path, off="enabled: false\n" + textwrap.dedent(REDDIT))
    (instance,) = load_connectors(tmp_path)
    assert not instance.config.enabled
    write(
        tmp_path,
        off="enabled: false\n"
        + textwrap.dedent(REDDIT).replace("TEST_REDDIT_SECRET", "pasted-secret"),
    )
    assert any("client_secret_env" in line for line in problems(tmp_path))
