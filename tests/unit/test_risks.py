"""The risk register: severity from likelihood and impact, the shipped register, playbooks
per severity, and every mistake in the file reported at once with its key."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest
import yaml
from test_incidents_fixtures import RULES, group

from listener.errors import ConfigError
from listener.rules.files.loader import load_rules
from listener.rules.playbooks import fill_playbook
from listener.rules.risks import (
    RegisterContext,
    RiskRegister,
    declared_rule_names,
    load_register,
    severity_of,
    unraised,
)
from listener.rules.ruleset import RuleSet


@pytest.fixture(scope="module")
def shipped() -> RuleSet:
    return load_rules(RULES)


#: The shipped rules the registers written here map (the shipped file has more).
CORE = frozenset({"negative-surge", "attention-spike", "sentiment-drop", "silent-brand"})


def context(shipped: RuleSet, **changes: object) -> RegisterContext:
    raw = yaml.safe_load((RULES / "alerts.yaml").read_text(encoding="utf-8"))["rules"]
    declared = declared_rule_names(raw)
    assert declared is not None and declared >= CORE
    values: dict[str, object] = {
        "rules": tuple(rule for rule in shipped.rules if rule.name in CORE),
        "rule_names": declared & CORE,
        "brands": shipped.brands,
        "group_ids": frozenset(shipped.owners.groups),
        "groups": shipped.owners.groups,
    }
    values.update(changes)
    return RegisterContext(**values)  # type: ignore[arg-type]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "risks.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path, ctx: RegisterContext) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_register(path, ctx)
    return [f"{issue.key}: {issue.message}" for issue in caught.value.issues]


@pytest.mark.parametrize(
    ("likelihood", "impact", "severity"),
    [
        (1, 1, "info"), (2, 2, "info"), (1, 5, "warning"), (3, 3, "warning"),
        (2, 5, "major"), (3, 4, "major"), (3, 5, "critical"), (4, 4, "critical"),
        (5, 5, "critical"),
    ],
)  # fmt: skip
def test_severity_is_read_from_likelihood_times_impact(
    likelihood: int, impact: int, severity: str
) -> None:
    assert severity_of(likelihood, impact) == severity


def test_the_shipped_register_covers_every_shipped_rule(shipped: RuleSet) -> None:
    register = shipped.risks
    assert register is not None
    assert set(register.rules) == {rule.name for rule in shipped.rules}
    assert all(register.risk_of(rule.name) is not None for rule in shipped.rules)
    surge, silent = register.risk_of("negative-surge"), register.risk_of("silent-brand")
    assert surge is not None and surge is silent  # one incident for one crisis
    assert register.rules["negative-surge"].raise_when_brand_silent == 3600
    for risk in register.risks.values():
        assert 1 <= risk.likelihood <= 5 and 1 <= risk.impact <= 5
        assert all(risk.steps(severity) for severity in ("info", "warning", "major", "critical"))
        assert risk.description and risk.owners is None
    assert {"data-breach", "service-outage", "employee-conduct"} <= set(register.risks)
    # Every risk of the register can be paged: some rule raises it.
    assert unraised(register) == []


def test_a_risk_no_rule_raises_is_named(shipped: RuleSet) -> None:
    register = shipped.risks
    assert register is not None
    rules = {n: e for n, e in register.rules.items() if e.risk != "data-breach"}
    assert unraised(RiskRegister(register.risks, MappingProxyType(rules))) == ["data-breach"]


def test_a_rule_reading_topics_needs_a_risk_with_topics(tmp_path: Path, shipped: RuleSet) -> None:
    text = (RULES / "risks.yaml").read_text(encoding="utf-8")
    text = text.replace("risk: service-outage", "risk: online-firestorm")
    names = frozenset(rule.name for rule in shipped.rules)
    ctx = context(shipped, **{"rules": shipped.rules, "rule_names": names})
    found = problems(write(tmp_path, text), ctx)
    assert found == [
        'risks.online-firestorm.topics: alert rule "outage-wave" reads topic, topic_share,'
        ' topic_surprise but risk "online-firestorm" lists no topics: add the words and phrases'
        " that mark a post about it"
    ]


def test_a_playbook_per_severity_falls_back_to_the_nearest_lower_one() -> None:
    filled = fill_playbook({"warning": ("look",), "critical": ("call",)})
    assert {severity: book.steps for severity, book in filled.items()} == {
        "info": ("look",),  # nothing lower: the nearest higher
        "warning": ("look",),
        "major": ("look",),
        "critical": ("call",),
    }


def test_a_list_playbook_applies_at_every_severity(tmp_path: Path, shipped: RuleSet) -> None:
    path = write(
        tmp_path,
        """
risks:
  online-firestorm:
    description: A wave of anger.
    likelihood: 3
    impact: 5
    owners: bank-crisis
    resolve_after: 45m
    playbook: [Read the posts., Call the head of communication.]
alert_rules:
  negative-surge: {risk: online-firestorm}
  silent-brand: {risk: online-firestorm}
  attention-spike: {risk: online-firestorm}
  sentiment-drop: {risk: online-firestorm}
""",
    )
    register = load_register(path, context(shipped))
    risk = register.risks["online-firestorm"]
    assert risk.owners == "bank-crisis" and risk.resolve_after == 2700
    assert (
        risk.steps("info")
        == risk.steps("critical")
        == (
            "Read the posts.",
            "Call the head of communication.",
        )
    )
    assert risk.severity == "critical" and risk.score == 15


#: A register with one mistake of each kind.
MISTAKES = """
risks:
  firestorm:
    description: A wave of anger.
    likelihood: 6
    impact: 5
    owners: bank-crisiss
    playbook:
      critcal: [Call.]
  Outage:
    description: Down.
    likelihood: 2
    impact: 2
    playbook:
      - Check: is it down?
alert_rules:
  negative-surg: {risk: firestorm}
  silent-brand: {risk: firestorms}
  attention-spike: {risk: firestorm, escalate: now}
severity: high
"""


def test_every_mistake_is_reported_together(tmp_path: Path, shipped: RuleSet) -> None:
    path = write(tmp_path, MISTAKES)
    found = problems(path, context(shipped))
    expected = [
        'severity: unknown key "severity"',
        "risks.firestorm.likelihood: Input should be less than or equal to 5",
        'risks.firestorm.owners: undefined owner group "bank-crisiss"'
        ' (did you mean "bank-crisis"?)',
        'risks.firestorm.playbook: "critcal" is not a severity (did you mean "critical"?)',
        'risks.Outage: name must look like "data-breach"',
        "risks.Outage.playbook: step 1 of the playbook must be a sentence",
        'alert_rules.negative-surg: undefined alert rule "negative-surg"'
        ' (did you mean "negative-surge"?)',
        'alert_rules.silent-brand.risk: undefined risk "firestorms" (did you mean "firestorm"?)',
        'alert_rules.attention-spike: unknown key "escalate"',
        'alert_rules: alert rule "negative-surge" raises the risk of its own name',
        'alert_rules: alert rule "sentiment-drop" raises the risk of its own name',
    ]
    for message in expected:
        assert any(problem.startswith(message) for problem in found), (message, found)
    assert len(found) == len(expected), found


def test_raising_on_silence_needs_own_accounts_and_a_second_level(
    tmp_path: Path, shipped: RuleSet
) -> None:
    path = write(
        tmp_path,
        """
risks:
  online-firestorm: {description: Anger., likelihood: 3, impact: 5, playbook: [Read.]}
alert_rules:
  negative-surge: {risk: online-firestorm, raise_when_brand_silent: 1h}
  silent-brand: {risk: online-firestorm}
  attention-spike: {risk: online-firestorm}
  sentiment-drop: {risk: online-firestorm}
""",
    )
    brands = dict(shipped.brands)
    brands["mcdonalds_it"] = brands["mcdonalds_it"].model_copy(update={"own_accounts": ()})
    groups = dict(shipped.owners.groups)
    groups["telco-care"] = group([("0m", ["paolo.marino"])])
    found = problems(path, context(shipped, brands=MappingProxyType(brands), groups=groups))
    key = "alert_rules.negative-surge.raise_when_brand_silent"
    assert found == [
        f"{key}: brand(s) mcdonalds_it list no own_accounts in brands.yaml: listener never sees"
        " them post, so they would always count as silent for 1h",
        f'{key}: owner group "telco-care" has a single level: there is no level to raise to',
    ]


def test_a_missing_register_is_reported(tmp_path: Path, shipped: RuleSet) -> None:
    assert problems(tmp_path / "risks.yaml", context(shipped)) == [": file is missing"]


def test_an_unknown_rule_has_no_risk() -> None:
    register = RiskRegister(MappingProxyType({}), MappingProxyType({}))
    assert register.risk_of("nothing") is None


def test_risks_that_absorb_each_other_are_refused(tmp_path: Path, shipped: RuleSet) -> None:
    text = (RULES / "risks.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  unexplained-attention:\n", "  unexplained-attention:\n    absorbs: [data-breach]\n"
    )
    names = frozenset(rule.name for rule in shipped.rules)
    found = problems(write(tmp_path, text), context(shipped, rules=shipped.rules, rule_names=names))
    # Every risk on the loop is named: the two written, and those absorbed between them.
    looped = {line.split(".")[1] for line in found}
    assert {"data-breach", "unexplained-attention"} <= looped
    assert "online-firestorm" not in looped  # absorbed by many, absorbs nothing
    assert all(line.endswith("is absorbed back by a risk it absorbs: absorption must run one way")
               for line in found)  # fmt: skip
