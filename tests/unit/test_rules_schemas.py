"""The JSON Schemas of the rules files: committed as the models generate them, valid
draft 2020-12, met by every shipped rules file (in Python's regular expressions and in the
ECMAScript ones editors use), and refusing the mistakes `listener check` refuses wherever
JSON Schema can say so."""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from listener.cli import main
from listener.errors import ConfigError
from listener.rules.files.loader import FILES as LOADER_FILES
from listener.rules.files.loader import load_rules
from listener.schemas import KINDS, load_schema, schema_path
from listener.schemas.generate import FILES, generated
from listener.schemas.translate import portable

pytestmark = pytest.mark.filterwarnings("error")

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "rules"
#: Each kind's shipped file; notifiers.yaml ships as an example to copy.
SHIPPED_FILES = {kind: SHIPPED / f"{kind}.yaml" for kind in KINDS}
SHIPPED_FILES["notifiers"] = SHIPPED / "notifiers.yaml.example"


def errors(kind: str, data: object) -> list[str]:
    validator = Draft202012Validator(load_schema(kind))
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)
    ]


def test_committed_schemas_are_those_the_models_give() -> None:
    for kind, text in generated().items():
        committed = schema_path(kind).read_text(encoding="utf-8")
        assert committed == text, (
            f"{schema_path(kind)} is out of date with the models: run "
            "python -m listener.schemas.generate and commit the result"
        )


def test_the_generator_check_mode_names_a_stale_schema(tmp_path: Path) -> None:
    from listener.schemas.generate import main as generate

    assert generate(["--dir", str(tmp_path)]) == 0
    assert generate(["--dir", str(tmp_path), "--check"]) == 0
    stale = tmp_path / "owners.schema.json"
    stale.write_text(stale.read_text(encoding="utf-8").replace('"levels"', '"level"'))
    assert generate(["--dir", str(tmp_path), "--check"]) == 1


def test_the_schemas_are_package_data_so_an_install_carries_them() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["listener"]
    for kind in KINDS:
        inside = schema_path(kind).relative_to(ROOT / "src" / "listener").as_posix()
        assert any(fnmatch.fnmatch(inside, pattern) for pattern in globs), inside


def test_every_schema_is_valid_draft_2020_12() -> None:
    for kind in KINDS:
        schema = load_schema(kind)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)


def test_the_schemas_cover_the_files_and_keys_the_loader_reads() -> None:
    assert {f"{kind}.yaml" for kind in FILES} == set(LOADER_FILES)
    for kind, spec in FILES.items():
        assert tuple(spec.keys) == LOADER_FILES[f"{kind}.yaml"]
        assert list(load_schema(kind)["properties"]) == list(spec.keys)


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_files_meet_their_schema(kind: str) -> None:
    data = yaml.safe_load(SHIPPED_FILES[kind].read_text(encoding="utf-8"))
    assert errors(kind, data) == []


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_files_name_their_schema_for_editors(kind: str) -> None:
    first = SHIPPED_FILES[kind].read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, first
    assert (SHIPPED / match.group(1)).resolve() == schema_path(kind)


def test_shipped_files_meet_their_schema_with_editors_regular_expressions() -> None:
    # check-jsonschema reads patterns as ECMAScript does, as VS Code and other editors do.
    for kind in KINDS:
        result = subprocess.run(
            [sys.executable, "-m", "check_jsonschema", "--default-filetype", "yaml",
             "--schemafile", str(schema_path(kind)), str(SHIPPED_FILES[kind])],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr


def test_a_word_pattern_takes_any_letter_in_python_and_in_ecmascript() -> None:
    hashtag = re.compile(portable(r"^#\w+$"))
    handle = re.compile(portable(r"^@[\w.]+$"))
    assert hashtag.match("#caffè") and hashtag.match("#intesa_sanpaolo")
    assert not hashtag.match("#intesa-sanpaolo") and not hashtag.match("#two words")
    assert handle.match("@intesa.sanpaolo") and not handle.match("@intesa/sanpaolo")


def test_listener_schema_prints_a_schema_and_where_each_lies(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["schema", "risks"]) == 0
    assert json.loads(capsys.readouterr().out) == load_schema("risks")
    assert main(["schema", "brands", "--path"]) == 0
    assert capsys.readouterr().out == f"{schema_path('brands')}\n"
    assert main(["schema"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed == [f"{kind}.yaml\t{schema_path(kind)}" for kind in KINDS]


VALID = {
    "brands": """
        brands:
          acme_bank:
            name: Acme Bank
            terms: [acme bank]
            hashtags: ["#acmebank"]
            owners: bank-crisis
            baseline:
              volume_per_hour: 12
    """,
    "owners": """
        people:
          maria.rossi:
            name: Maria Rossi
            slack: "@maria.rossi"
            email: maria.rossi@example.com
        groups:
          bank-crisis:
            description: Bank crisis team
            levels:
              - after: 0m
                notify: [maria.rossi]
              - after: 10m
                notify: [maria.rossi]
            repeat: 30m
    """,
    "alerts": """
        windows:
          sizes: [5m, 15m]
          step: 1m
        rules:
          - name: negative-surge
            description: Many angry posts.
            brands: "*"
            window: 5m
            when: negative >= 6 and negative_share >= 0.5
            for: 2m
            severity: critical
    """,
    "risks": """
        risks:
          online-firestorm:
            description: A wave of anger.
            likelihood: 3
            impact: 5
            resolve_after: 1h
            playbook:
              major: [Read the posts.]
        alert_rules:
          negative-surge:
            risk: online-firestorm
    """,
    "notifiers": """
        notifiers:
          slack:
            bot_token_env: LISTENER_SLACK_BOT_TOKEN
            channel: "#crisis"
          email:
            host: smtp.example.com
            from_address: alerts@example.com
          webhooks:
            ops-bridge:
              url: https://ops.example.com/hook
          delivery:
            max_attempts: 5
    """,
}


def write(directory: Path, kind: str | None = None, text: str = "") -> Path:
    for name, content in VALID.items():
        body = text if name == kind else content
        (directory / f"{name}.yaml").write_text(textwrap.dedent(body), encoding="utf-8")
    return directory


def test_the_valid_directory_loads_and_meets_every_schema(tmp_path: Path) -> None:
    load_rules(write(tmp_path))
    for kind, text in VALID.items():
        assert errors(kind, yaml.safe_load(textwrap.dedent(text))) == []


# (file, text replaced, replacement): each a mistake `listener check` refuses.
REFUSED = [
    ("brands", "brands:", "brand:"),
    ("brands", "    terms: [acme bank]", "    termz: [acme bank]"),
    ("brands", "terms: [acme bank]", "terms: acme bank"),
    ("brands", "    owners: bank-crisis\n", ""),
    ("brands", "volume_per_hour: 12", "volume_per_hour: lots"),
    ("brands", "volume_per_hour: 12", "volume_per_hour: 0"),
    ("brands", '["#acmebank"]', '["acmebank"]'),
    ("brands", "acme_bank:", "Acme Bank:"),
    ("brands", '    terms: [acme bank]\n    hashtags: ["#acmebank"]\n', "    terms: []\n"),
    ("owners", "maria.rossi@example.com", "maria.rossi"),
    (
        "owners",
        "email: maria.rossi@example.com",
        "email: maria.rossi@example.com\n    phone: 33312",
    ),
    ("owners", "after: 10m", "after: 10"),
    ("owners", "- after: 0m", "- after: 5m"),
    ("owners", "repeat: 30m", "repeat: 30m\n    reminders: [1h]"),
    ("owners", "repeat: 30m", "reminders: [30m, 0m]"),
    ("owners", "repeat: 30m", "repeat: 0m"),
    (
        "owners",
        "email: maria.rossi@example.com",
        "email: maria.rossi@example.com\n    channels: [sms]",
    ),
    ("owners", "groups:", "group:"),
    ("owners", "description: Bank crisis team", "description: ' '"),
    ("alerts", "severity: critical", "severity: critcal"),
    ("alerts", "for: 2m", "for: 2"),
    ("alerts", "    severity: critical\n", ""),
    ("alerts", "name: negative-surge", "name: Negative Surge"),
    ("alerts", "when: negative >= 6 and negative_share >= 0.5", "when: 30"),
    ("alerts", "step: 1m", "step: 0m"),
    ("alerts", "step: 1m", "stepp: 1m"),
    ("alerts", "for: 2m", "cooldwn: 1h"),
    ("alerts", "rules:", "rule:"),
    ("risks", "likelihood: 3", "likelihood: 6"),
    ("risks", "likelihood: 3", "likelihood: 2.5"),
    ("risks", "major: [Read the posts.]", "urgent: [Read the posts.]"),
    ("risks", "major: [Read the posts.]", "major: []"),
    (
        "risks",
        "major: [Read the posts.]",
        "major:\n      - step: Answer.\n        expect: statment\n        within: 30m",
    ),
    ("risks", "online-firestorm:\n    description", "Online Firestorm:\n    description"),
    ("risks", "    description: A wave of anger.\n", ""),
    ("risks", "risk: online-firestorm", "risk: online-firestorm\n    raise: 1h"),
    ("risks", "resolve_after: 1h", "resolve_after: 0m"),
    ("notifiers", 'channel: "#crisis"', "webhook_url_env: LISTENER_SLACK_WEBHOOK"),
    ("notifiers", '    channel: "#crisis"\n', ""),
    ("notifiers", "from_address: alerts@example.com", "from_address: alerts\n    username: alerts"),
    (
        "notifiers",
        "host: smtp.example.com",
        "host: smtp.example.com\n    username: u\n"
        "    password_env: LISTENER_SMTP_PASSWORD\n    security: plain",
    ),
    ("notifiers", "url: https://ops.example.com/hook", "url: ftp://ops.example.com/hook"),
    (
        "notifiers",
        "url: https://ops.example.com/hook",
        "url: https://ops.example.com/hook\n      url_env: LISTENER_OPS_HOOK",
    ),
    ("notifiers", "bot_token_env: LISTENER_SLACK_BOT_TOKEN", "bot_token_env: slack_token"),
    ("notifiers", "max_attempts: 5", "max_attempts: 0"),
    ("notifiers", "max_attempts: 5", "jitter: 1"),
    ("notifiers", "max_attempts: 5", "max_attemps: 5"),
    ("notifiers", "host: smtp.example.com", "host: smtp.example.com\n    port: 70000"),
]


def refused_by_listener(directory: Path, kind: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_rules(directory)
    return [str(i) for i in caught.value.issues if i.file == str(directory / f"{kind}.yaml")]


@pytest.mark.parametrize(("kind", "old", "new"), REFUSED)
def test_what_listener_check_refuses_the_schema_refuses(
    tmp_path: Path, kind: str, old: str, new: str
) -> None:
    valid = textwrap.dedent(VALID[kind])
    assert old in valid
    text = valid.replace(old, new, 1)
    assert refused_by_listener(write(tmp_path, kind, text), kind)
    assert errors(kind, yaml.safe_load(text)), text


# Mistakes only `listener check` can see: they involve another file, an order, a
# condition's words or the machine's time zones, which JSON Schema cannot express.
CHECK_ONLY = [
    ("brands", "owners: bank-crisis", "owners: bank-crisiss"),
    ("owners", "after: 10m", "after: 0s"),
    ("alerts", "window: 5m", "window: 60m"),
    ("alerts", "when: negative >= 6", "when: negatve >= 6"),
    ("risks", "risk: online-firestorm", "risk: online-firestom"),
    ("notifiers", "max_attempts: 5", "first_delay: 10m\n    max_delay: 1m"),
    ("notifiers", "slack:", "timezone: Europe/Atlantis\n  slack:"),
]


@pytest.mark.parametrize(("kind", "old", "new"), CHECK_ONLY)
def test_what_only_listener_check_can_refuse(tmp_path: Path, kind: str, old: str, new: str) -> None:
    valid = textwrap.dedent(VALID[kind])
    assert old in valid
    text = valid.replace(old, new, 1)
    assert refused_by_listener(write(tmp_path, kind, text), kind)
    assert errors(kind, yaml.safe_load(text)) == []
