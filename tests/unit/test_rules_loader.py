"""Loading the rules directory: the shipped files load, and every mistake a person can make
in them is reported with its file, its key and, where a name is misspelt, a suggestion."""

from __future__ import annotations

import gc
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from listener.errors import ConfigError
from listener.rules import ruleset
from listener.rules.conditions import MAX_CONDITION_CHARS, MAX_NESTING
from listener.rules.files.loader import load_rules
from listener.rules.files.yamlfile import MAX_YAML_NESTING
from listener.windows.stats import METRICS

pytestmark = pytest.mark.filterwarnings("error")

SHIPPED = Path(__file__).resolve().parents[2] / "rules"

BRANDS = """
    brands:
      acme_bank:
        name: Acme Bank
        terms: [acme bank]
        hashtags: ["#acmebank"]
        owners: bank-crisis
        baseline:
          volume_per_hour: 12
      acme_air:
        name: Acme Air
        handles: ["@acmeair"]
        owners: air-care
"""
OWNERS = """
    people:
      maria.rossi:
        name: Maria Rossi
        slack: "@maria.rossi"
        email: maria.rossi@example.com
      luca.bianchi:
        name: Luca Bianchi
        slack: U012AB3CD
        email: luca.bianchi@example.com
        phone: "+393331234567"
    groups:
      bank-crisis:
        description: Bank crisis team
        levels:
          - after: 0m
            notify: [maria.rossi]
          - after: 10m
            notify: [luca.bianchi]
        repeat: 30m
      air-care:
        description: Airline care
        levels:
          - after: 0m
            notify: [luca.bianchi]
"""
ALERTS = """
    rules:
      - name: negative-surge
        description: Many angry posts.
        brands: "*"
        window: 5m
        when: volume >= 30 and negative_share >= 0.4
        for: 2m
        severity: critical
      - name: volume-spike
        description: Many posts.
        brands: [acme_bank]
        window: 15m
        when:
          - volume >= 30
          - volume_z >= 6
        severity: major
        cooldown: 1h
        owners: air-care
"""


def write(directory: Path, **files: str) -> Path:
    """A rules directory holding the valid files above, with ``files`` replacing some."""
    contents = {"brands": BRANDS, "owners": OWNERS, "alerts": ALERTS, **files}
    for name, text in contents.items():
        (directory / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return directory


def problems(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_rules(directory)
    assert str(caught.value).startswith(f"{len(caught.value.issues)} configuration error(s)")
    return [str(issue) for issue in caught.value.issues]


def test_shipped_rules_load() -> None:
    rules = load_rules(SHIPPED)
    bank = rules.brands["intesa_sanpaolo"]
    assert "intesasanpaolo" in bank.channels
    assert bank.baseline is not None
    assert bank.owners in rules.owners.groups
    names = {rule.name for rule in rules.rules}
    assert {"negative-surge", "attention-spike", "sentiment-drop", "silent-brand"} <= names
    assert rules.windows == (300, 900, 3600)
    assert rules.step == 60
    critical = next(rule for rule in rules.rules if rule.name == "negative-surge")
    assert (critical.severity, critical.window_seconds, critical.for_seconds) == (
        "critical",
        300,
        0,
    )


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_while_loading_and_left_as_it_was(
    enabled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from listener.rules.files import loader

    seen: list[bool] = []
    read = loader._read_directory

    def reading(directory: Path, issues: list[Any]) -> Any:
        seen.append(gc.isenabled())
        return read(directory, issues)

    monkeypatch.setattr(loader, "_read_directory", reading)
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        load_rules(SHIPPED)
        with pytest.raises(ConfigError):
            load_rules(SHIPPED / "missing")
        assert gc.isenabled() is enabled  # after a refusal too
    finally:
        gc.enable() if was else gc.disable()
    assert seen == [False, False]


def test_shipped_brand_terms_carry_every_field() -> None:
    terms = {item.brand: item for item in load_rules(SHIPPED).brand_terms()}
    bank = terms["intesa_sanpaolo"]
    assert "intesa sanpaolo" in bank.terms
    assert "facebook:intesasanpaolo_page" in bank.own_accounts
    assert "intesa di programma" in bank.exclude
    assert bank.channels == ("intesasanpaolo",)
    assert all(isinstance(value, tuple) for value in (bank.hashtags, bank.handles))


def test_brand_terms_use_the_enrich_type() -> None:
    enrich = pytest.importorskip("listener.enrich.brands")
    assert all(type(item) is enrich.BrandTerms for item in load_rules(SHIPPED).brand_terms())


def test_brand_terms_do_not_need_enrich(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "listener.enrich.brands", None)  # import now fails
    terms = load_rules(SHIPPED).brand_terms()
    assert all(type(item) is ruleset.BrandTerms for item in terms)
    assert terms[0].brand == "intesa_sanpaolo"


def test_shipped_alerts_explain_every_metric() -> None:
    # The person editing alerts.yaml learns the figures from its opening comment.
    comment = (SHIPPED / "alerts.yaml").read_text(encoding="utf-8").split("\nwindows:")[0]
    explained = {line.split()[1] for line in comment.splitlines() if line.startswith("#   ")}
    assert explained >= set(METRICS)


def test_valid_directory_compiles(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path))
    surge, spike = rules.rules
    assert surge.brands is None and surge.applies_to("acme_air")
    assert (surge.window, surge.window_seconds, surge.for_seconds) == ("5m", 300, 120)
    assert surge.cooldown_seconds == 1800  # the default
    assert spike.brands == frozenset({"acme_bank"}) and not spike.applies_to("acme_air")
    assert spike.condition.source == "volume >= 30 and volume_z >= 6"
    assert rules.owners_for(surge, "acme_bank") == "bank-crisis"
    assert rules.owners_for(spike, "acme_bank") == "air-care"
    assert rules.owners.groups["bank-crisis"].levels[1].after == 600
    assert rules.owners.groups["bank-crisis"].repeat == 1800
    assert rules.rules_for("acme_air") == (surge,)


def test_reminders_load_as_gaps_and_repeat_as_one_fixed_gap(tmp_path: Path) -> None:
    owners = OWNERS.replace("repeat: 30m", "reminders: [30m, 1h, 2h]")
    assert load_rules(write(tmp_path, owners=owners)).owners.groups["bank-crisis"].reminders == (
        1800,
        3600,
        7200,
    )
    single = OWNERS.replace("repeat: 30m", "reminders: 45m")
    assert load_rules(write(tmp_path, owners=single)).owners.groups["bank-crisis"].reminders == (
        2700,
    )


def test_default_windows_apply_when_not_configured(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path))
    assert rules.windows == (300, 900, 3600)
    assert dict(rules.window_names) == {300: "5m", 900: "15m", 3600: "60m"}


def test_misspelt_metric(tmp_path: Path) -> None:
    alerts = ALERTS.replace("volume >= 30 and", "volme >= 30 and")
    label = tmp_path / "alerts.yaml"
    assert problems(write(tmp_path, alerts=alerts)) == [
        f'{label}: rules[0].when: rule "negative-surge": unknown metric "volme" '
        '(did you mean "volume"?) at column 1'
    ]


def test_misspelt_metric_in_a_list_of_conditions(tmp_path: Path) -> None:
    alerts = ALERTS.replace("- volume_z >= 6", "- volume_zz >= 6")
    [problem] = problems(write(tmp_path, alerts=alerts))
    assert 'rules[1].when[1]: rule "volume-spike": unknown metric "volume_zz"' in problem
    assert '(did you mean "volume_z"?)' in problem


def test_undefined_owner_group(tmp_path: Path) -> None:
    brands = BRANDS.replace("owners: bank-crisis", "owners: bank-crsis")
    assert problems(write(tmp_path, brands=brands)) == [
        f"{tmp_path / 'brands.yaml'}: brands.acme_bank.owners: "
        'undefined owner group "bank-crsis" (did you mean "bank-crisis"?)'
    ]


def test_undefined_references_in_rules(tmp_path: Path) -> None:
    alerts = ALERTS.replace("brands: [acme_bank]", "brands: [acme_bnak]").replace(
        "owners: air-care", "owners: aircare"
    )
    found = problems(write(tmp_path, alerts=alerts))
    assert any(
        'rules[1].brands[0]: undefined brand "acme_bnak" (did you mean "acme_bank"' in p
        for p in found
    )
    assert any(
        'rules[1].owners: undefined owner group "aircare" (did you mean "air-care"' in p
        for p in found
    )
    assert len(found) == 2


def test_undefined_person_in_group(tmp_path: Path) -> None:
    owners = OWNERS.replace(
        "notify: [luca.bianchi]\n        repeat", "notify: [luca.bianchy]\n        repeat"
    )
    found = problems(write(tmp_path, owners=owners))
    assert found == [
        f"{tmp_path / 'owners.yaml'}: groups.bank-crisis.levels[1].notify[0]: "
        'undefined person "luca.bianchy" (did you mean "luca.bianchi"?)'
    ]


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "brands",
            "hashtags:",
            "hashtag:",
            'brands.acme_bank: unknown key "hashtag" (did you mean "hashtags"?)',
        ),
        (
            "brands",
            "volume_per_hour:",
            "volume_per_hr:",
            'brands.acme_bank.baseline: unknown key "volume_per_hr" '
            '(did you mean "volume_per_hour"?)',
        ),
        (
            "owners",
            "notify: [maria.rossi]",
            "notfy: [maria.rossi]",
            'groups.bank-crisis.levels[0]: unknown key "notfy" (did you mean "notify"?)',
        ),
        ("alerts", "rules:", "rule:", 'rule: unknown key "rule" (did you mean "rules"?)'),
        (
            "alerts",
            "    cooldown: 1h",
            "    cooldwn: 1h",
            'rules[1]: unknown key "cooldwn" (did you mean "cooldown"?)',
        ),
    ],
)
def test_unknown_keys_are_named_with_a_suggestion(
    tmp_path: Path, file: str, old: str, new: str, expected: str
) -> None:
    text = {"brands": BRANDS, "owners": OWNERS, "alerts": ALERTS}[file]
    assert old in text
    found = problems(write(tmp_path, **{file: text.replace(old, new, 1)}))
    assert f"{tmp_path / (file + '.yaml')}: {expected}" in found


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "brands",
            "terms: [acme bank]",
            "terms: acme bank",
            "brands.acme_bank.terms: Input should be a valid tuple, got 'acme bank'",
        ),
        (
            "brands",
            "volume_per_hour: 12",
            "volume_per_hour: lots",
            "brands.acme_bank.baseline.volume_per_hour: Input should be a valid number",
        ),
        (
            "brands",
            "volume_per_hour: 12",
            "volume_per_hour: 0",
            "brands.acme_bank.baseline.volume_per_hour: Input should be greater than 0",
        ),
        (
            "brands",
            '["#acmebank"]',
            '["acmebank"]',
            "brands.acme_bank.hashtags[0]: 'acmebank' is not a hashtag",
        ),
        (
            "brands",
            "terms: [acme bank]",
            "terms: [acme bank]\n        language: italian",
            "brands.acme_bank.language: 'italian' is not a two-letter language code",
        ),
        (
            "owners",
            "maria.rossi@example.com",
            "maria.rossi",
            "people.maria.rossi.email: 'maria.rossi' is not an email address",
        ),
        (
            "owners",
            '"+393331234567"',
            "3331234567",
            "people.luca.bianchi.phone: Input should be a valid string, got 3331234567",
        ),
        (
            "owners",
            "after: 10m",
            "after: 10",
            'groups.bank-crisis.levels[1].after: write a duration such as "90s", "5m", "1h", '
            '"1h30m" or "1d", got 10',
        ),
        (
            "owners",
            "after: 10m",
            "after: 0m",
            "groups.bank-crisis: levels[1].after must be later than levels[0].after",
        ),
        (
            "owners",
            "- after: 0m\n            notify: [luca",
            "- after: 5m\n            notify: [luca",
            'groups.air-care: the first level must notify at once: "after: 0m"',
        ),
        (
            "owners",
            "levels:\n          - after: 0m\n            notify: [luca.bianchi]",
            "levels: []",
            "groups.air-care.levels: Tuple should have at least 1 item after validation",
        ),
        (
            "owners",
            "repeat: 30m",
            "repeat: 30m\n        reminders: [30m, 1h]",
            'groups.bank-crisis: "repeat" and "reminders" are both set: keep one',
        ),
        (
            "owners",
            "repeat: 30m",
            "reminders: [30m, 0m]",
            "groups.bank-crisis.reminders[1]: Input should be greater than 0",
        ),
        (
            "owners",
            "repeat: 30m",
            "reminders: []",
            "groups.bank-crisis.reminders: Value should have at least 1 item after validation",
        ),
        (
            "alerts",
            "severity: critical",
            "severity: critcal",
            "rules[0].severity: severity 'critcal' is not one of info, warning, major, critical",
        ),
        ("alerts", "for: 2m", "for: 2", 'rules[0].for: write a duration such as "90s"'),
        ("alerts", "        severity: major\n", "", 'rules[1]: missing required key "severity"'),
        (
            "alerts",
            "name: negative-surge",
            "name: Negative Surge",
            "rules[0].name: 'Negative Surge' is not a name such as \"negative-surge\"",
        ),
        (
            "alerts",
            'brands: "*"',
            'brands: ["*", acme_air]',
            'rules[0].brands: "*" already means every brand: list nothing else',
        ),
        (
            "alerts",
            "when: volume >= 30 and negative_share >= 0.4",
            "when: 30",
            "rules[0].when: must be a condition or a list of conditions, got 30",
        ),
    ],
)
def test_wrong_values_are_named(
    tmp_path: Path, file: str, old: str, new: str, expected: str
) -> None:
    text = {"brands": BRANDS, "owners": OWNERS, "alerts": ALERTS}[file]
    assert old in text
    found = problems(write(tmp_path, **{file: text.replace(old, new, 1)}))
    prefix = f"{tmp_path / (file + '.yaml')}: {expected}"
    assert any(problem.startswith(prefix) for problem in found), found


def test_brand_nothing_can_match_is_refused(tmp_path: Path) -> None:
    brands = BRANDS.replace('        handles: ["@acmeair"]\n', "")
    [problem] = problems(write(tmp_path, brands=brands))
    assert problem.endswith(
        "brands.acme_air: needs at least one of terms, hashtags, handles or channels"
    )


def test_bad_ids_are_refused(tmp_path: Path) -> None:
    brands = BRANDS.replace("acme_air:", "Acme Air:")
    [problem] = problems(write(tmp_path, brands=brands))
    assert problem.endswith(
        "brands.Acme Air: id must look like \"intesa_sanpaolo\", got 'Acme Air'"
    )


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    alerts = ALERTS.replace("window: 15m", "window: [15m")
    [problem] = problems(write(tmp_path, alerts=alerts))
    # The wording after the place is the YAML parser's (libyaml's where PyYAML has it).
    assert problem.startswith(
        f"{tmp_path / 'alerts.yaml'}: YAML syntax error at line 14, column 9: "
        "while parsing a flow sequence: "
    )
    assert "expected ',' or ']'" in problem


def test_duplicate_yaml_keys_are_refused(tmp_path: Path) -> None:
    brands = BRANDS + BRANDS.split("brands:\n")[1].split("  acme_air:")[0]
    found = problems(write(tmp_path, brands=brands))
    assert found == [
        f'{tmp_path / "brands.yaml"}: line 14: duplicate key "acme_bank" (first on line 3)'
    ]


def test_duplicate_rule_names(tmp_path: Path) -> None:
    alerts = ALERTS.replace("name: volume-spike", "name: negative-surge")
    assert problems(write(tmp_path, alerts=alerts)) == [
        f'{tmp_path / "alerts.yaml"}: rules[1].name: duplicate rule name "negative-surge" '
        "(also rules[0])"
    ]


def test_rule_window_must_be_configured(tmp_path: Path) -> None:
    alerts = "windows:\n  sizes: [5m, 60m]\n" + textwrap.dedent(ALERTS)
    assert problems(write(tmp_path, alerts=alerts)) == [
        f'{tmp_path / "alerts.yaml"}: rules[1].window: window "15m" is not configured: '
        "windows.sizes has 5m, 60m"
    ]


def test_rule_window_matches_by_length(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, alerts=ALERTS.replace("window: 5m", "window: 300s")))
    assert rules.rules[0].window == "5m"


def test_windows_must_be_whole_steps_and_distinct(tmp_path: Path) -> None:
    alerts = "windows:\n  sizes: [5m, 300s, 90s, 0m, 15m]\n  step: 1m\n" + textwrap.dedent(ALERTS)
    label = tmp_path / "alerts.yaml"
    assert problems(write(tmp_path, alerts=alerts)) == [
        f'{label}: windows.sizes[1]: "300s" is the same size as "5m"',
        f'{label}: windows.sizes[2]: "90s" is not a whole number of steps (1m)',
        f"{label}: windows.sizes[3]: a window cannot be empty",
    ]


def test_unknown_and_missing_files(tmp_path: Path) -> None:
    write(tmp_path)
    (tmp_path / "owners.yaml").rename(tmp_path / "owner.yaml")
    (tmp_path / "README.md").write_text("not configuration", encoding="utf-8")
    found = problems(tmp_path)
    assert f'{tmp_path / "owner.yaml"}: unknown file (did you mean "owners.yaml"?): ' in found[0]
    assert f"{tmp_path / 'owners.yaml'}: file is missing" in found


def test_missing_directory(tmp_path: Path) -> None:
    assert problems(tmp_path / "nowhere") == [
        f"{tmp_path / 'nowhere'}: is not a directory of rules files"
    ]


def test_wrong_top_level_shapes(tmp_path: Path) -> None:
    found = problems(write(tmp_path, brands="- just a list\n", owners="", alerts="rules: 3\n"))
    assert found == [
        f"{tmp_path / 'brands.yaml'}: must be a mapping with the keys brands",
        f'{tmp_path / "owners.yaml"}: missing required key "people"',
        f'{tmp_path / "owners.yaml"}: missing required key "groups"',
        f"{tmp_path / 'alerts.yaml'}: rules: must be a list of rules",
    ]


def test_every_problem_in_every_file_is_reported_together(tmp_path: Path) -> None:
    brands = BRANDS.replace("owners: bank-crisis", "owners: bank-crsis").replace(
        "hashtags:", "hashtag:"
    )
    owners = OWNERS.replace("notify: [maria.rossi]", "notify: [maria.rosi]")
    alerts = (
        ALERTS.replace("volume >= 30 and", "volme >= 30 and")
        .replace("severity: major", "severity: urgent")
        .replace("- volume_z >= 6", "- volume_z >= 6 and")
        .replace("window: 15m", "window: 10m")
    )
    found = problems(write(tmp_path, brands=brands, owners=owners, alerts=alerts))
    keys = [problem.split(": ")[1] for problem in found]
    assert keys == [
        "brands.acme_bank",
        "brands.acme_bank.owners",
        "groups.bank-crisis.levels[0].notify[0]",
        "rules[0].when",
        "rules[1].severity",
        "rules[1].window",
        "rules[1].when[1]",
    ]


def test_errors_in_one_entry_do_not_hide_references_elsewhere(tmp_path: Path) -> None:
    # The rule with a wrong severity still has its metric checked; a brand with a wrong
    # field still counts as defined for the rules that name it.
    alerts = ALERTS.replace("severity: major", "severity: high").replace("volume_z", "volumez")
    brands = BRANDS.replace("name: Acme Bank", "name: ''")
    found = problems(write(tmp_path, alerts=alerts, brands=brands))
    assert len(found) == 3
    assert found[0].endswith("brands.acme_bank.name: must not be empty")
    assert "rules[1].severity" in found[1]
    assert 'unknown metric "volumez" (did you mean "volume_z"?)' in found[2]


def test_a_condition_the_worker_could_not_evaluate_is_refused_by_name(tmp_path: Path) -> None:
    # 983 times "not" once passed the check and exhausted the worker's stack.
    deep = "not " * 983 + "volume >= 30"
    alerts = ALERTS.replace("when: volume >= 30 and negative_share >= 0.4", f"when: {deep}")
    [problem] = problems(write(tmp_path, alerts=alerts))
    assert problem.startswith(f'{tmp_path / "alerts.yaml"}: rules[0].when: rule "negative-surge": ')
    assert f"at most {MAX_CONDITION_CHARS}" in problem


def test_nesting_too_deep_is_refused_by_name(tmp_path: Path) -> None:
    deep = "not " * (MAX_NESTING + 1) + "volume_z >= 6"
    alerts = ALERTS.replace("- volume_z >= 6", f"- {deep}")
    [problem] = problems(write(tmp_path, alerts=alerts))
    assert problem.startswith(
        f'{tmp_path / "alerts.yaml"}: rules[1].when[1]: rule "volume-spike": '
    )
    assert f"at most {MAX_NESTING} levels" in problem


def test_a_list_of_conditions_is_bounded_as_a_whole(tmp_path: Path) -> None:
    many = "\n".join(["          - volume >= 30"] * (MAX_CONDITION_CHARS // 11 + 1))
    alerts = ALERTS.replace("          - volume >= 30\n          - volume_z >= 6", many)
    [problem] = problems(write(tmp_path, alerts=alerts))
    assert 'rules[1].when: rule "volume-spike": conditions have ' in problem
    assert f"at most {MAX_CONDITION_CHARS}" in problem


def test_yaml_nested_too_deep_is_refused_with_its_line(tmp_path: Path) -> None:
    deep = "[" * 3000 + "]" * 3000
    # The file's mapping and the brands' are the first two levels: the bracket one past
    # the bound is at 0-based offset MAX_YAML_NESTING - 2 after the key.
    [problem] = problems(write(tmp_path, brands=f"brands:\n  acme_bank: {deep}\n"))
    assert problem == (
        f"{tmp_path / 'brands.yaml'}: YAML syntax error at line 2, column "
        f"{len('  acme_bank: ') + MAX_YAML_NESTING - 1}: nested more than {MAX_YAML_NESTING} "
        "levels deep"
    )
