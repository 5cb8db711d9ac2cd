"""The backtest's batches (which scenarios share a run), the rules directory of a batch,
and what it prints and writes."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest

from listener.errors import ConfigError, ScenarioError
from listener.records import Post
from listener.replay.backtest.batches import (
    Batch,
    brand_minutes,
    first_group,
    partition,
    plan,
    write_rules,
)
from listener.replay.backtest.cli import positive, seed_list
from listener.replay.backtest.command import select
from listener.replay.backtest.judge import Seen, judge
from listener.replay.backtest.output import BatchRun, report, summary, table
from listener.replay.scenarios.catalog import BrandSpec, Entry, Expected, Scenario
from listener.rules.files.loader import load_rules

SHIPPED = Path(__file__).resolve().parents[2] / "rules"
UTC2 = timezone(timedelta(hours=2))
START = datetime(2017, 9, 20, 9, 0, tzinfo=UTC2)


def brand(id: str, *terms: str) -> BrandSpec:
    # An own account: the shipped register raises a level when a brand stays silent, and
    # refuses a brand listener could never see post.
    return BrandSpec(
        id=id, name=id.title(), terms=terms or (id,), own_accounts=(f"@{id}",), volume_per_hour=5
    )


def post(id: str, minute: int, text: str, source: str = "x") -> Post:
    return Post(id, source, START + timedelta(minutes=minute), text, f"author-{id}")


def scenario(name: str, spec: BrandSpec, *posts: Post, seed: int = 1) -> Scenario:
    return Scenario(name, name.title(), seed, spec, None, Expected(None), list(posts))


ALPHA = brand("alpha", "alpha foods")
BETA = brand("beta", "beta air")


def names(batches: list[list[Scenario]]) -> list[list[str]]:
    return [[s.name for s in batch] for batch in batches]


def test_scenarios_of_different_brands_share_a_run_and_one_brand_is_split() -> None:
    a = scenario("a", ALPHA, post("a1", 0, "alpha foods again"))
    b = scenario("b", BETA, post("b1", 1, "beta air late"))
    calm_a = scenario("calm_a", ALPHA, post("c1", 2, "alpha foods fine"))
    assert names(partition([a, calm_a, b], 1000)) == [["a", "b"], ["calm_a"]]


def test_a_scenario_whose_posts_name_another_brand_runs_apart() -> None:
    a = scenario("a", ALPHA, post("a1", 0, "alpha foods on beta air flights"))
    b = scenario("b", BETA, post("b1", 1, "beta air late"))
    c = scenario("c", brand("gamma"), post("g1", 1, "gamma again"))
    assert names(partition([a, b, c], 1000)) == [["a", "c"], ["b"]]


def test_scenarios_with_the_same_post_keys_run_apart() -> None:
    a = scenario("a", ALPHA, post("1", 0, "alpha foods"))
    b = scenario("b", BETA, post("1", 5, "beta air"))
    other_source = scenario("c", brand("gamma"), post("1", 5, "gamma", source="reddit"))
    assert names(partition([a, b, other_source], 1000)) == [["a", "c"], ["b"]]


def test_batches_stay_under_the_most_brand_minutes_largest_scenario_first() -> None:
    def lasting(name: str, minutes: int) -> Scenario:
        posts = [post(f"{name}1", 0, f"{name} news"), post(f"{name}2", minutes - 1, name)]
        return scenario(name, brand(name), *posts)

    small, big, medium, huge = (
        lasting("s", 20),
        lasting("b", 60),
        lasting("m", 40),
        lasting("h", 120),
    )
    assert (brand_minutes(small), brand_minutes(huge)) == (20, 120)
    # The huge one runs alone, over the limit as it is; the others fill batches largest
    # first, and keep the order they were given in within a batch.
    assert names(partition([small, big, medium, huge], 100)) == [["h"], ["b", "m"], ["s"]]
    assert names(partition([small, big, medium, huge], 120)) == [["h"], ["s", "b", "m"]]


def test_plan_numbers_batches_over_every_seed_and_merges_posts_in_time_order() -> None:
    by_seed = {
        seed: [
            scenario("a", ALPHA, post("a1", 3, "alpha foods"), post("a2", 9, "alpha foods")),
            scenario("b", BETA, post("b1", 5, "beta air"), seed=seed),
            scenario("calm", ALPHA, post("c1", 1, "alpha foods"), seed=seed),
        ]
        for seed in (1, 2)
    }
    batches = plan(by_seed, 1000)
    assert [(b.number, b.seed, [s.name for s in b.scenarios]) for b in batches] == [
        (1, 1, ["a", "b"]),
        (2, 1, ["calm"]),
        (3, 2, ["a", "b"]),
        (4, 2, ["calm"]),
    ]
    assert [p.id for p in batches[0].merged()] == ["a1", "b1", "a2"]
    assert (batches[0].posts, batches[0].minutes) == (3, 7 + 1)
    assert [b.id for b in batches[0].brands] == ["alpha", "beta"]


def test_the_rules_copy_loads_with_every_brand_of_the_batch(tmp_path: Path) -> None:
    intesa_like = BrandSpec(
        id="acme_bank", name="Acme Bank", terms=("acme bank",), hashtags=("#acmebank",),
        handles=("@acmebank",), exclude=("acme bank robbery film",),
        own_accounts=("facebook:acme_page", "@acmebank"), channels=("acmebank",),
        language="it", volume_per_hour=12, negative_share=0.25,
    )  # fmt: skip
    group = first_group(SHIPPED)
    target = write_rules(SHIPPED, tmp_path / "rules", [intesa_like, BETA], group)
    rules = load_rules(target)
    assert sorted(rules.brands) == ["acme_bank", "beta"]
    bank = rules.brands["acme_bank"]
    assert bank.owners == group
    assert bank.own_accounts == ("facebook:acme_page", "@acmebank")
    assert bank.baseline is not None and bank.baseline.negative_share == 0.25
    assert rules.notifiers is None  # nobody real is ever told
    shipped = load_rules(SHIPPED)
    assert [r.name for r in rules.rules] == [r.name for r in shipped.rules]


def test_the_rules_copy_drops_the_notifiers_and_any_earlier_brands(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("alerts.yaml", "owners.yaml", "risks.yaml"):
        (source / name).write_bytes((SHIPPED / name).read_bytes())
    (source / "notifiers.yaml").write_text("notifiers:\n  slack:\n    webhook_url_env: HOOK\n")
    target = tmp_path / "copy"
    write_rules(source, target, [ALPHA], "bank-crisis")
    (target / "notifiers.yaml").write_text("left over")
    write_rules(source, target, [BETA], "bank-crisis")
    assert sorted(p.name for p in target.iterdir()) == [
        "alerts.yaml", "brands.yaml", "owners.yaml", "risks.yaml",
    ]  # fmt: skip
    assert sorted(load_rules(target).brands) == ["beta"]


def test_an_unknown_owner_group_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    target = write_rules(SHIPPED, tmp_path / "rules", [ALPHA], "bank-crisys")
    with pytest.raises(ConfigError, match=r'undefined owner group "bank-crisys".*bank-crisis'):
        load_rules(target)


def test_the_first_owner_group_owns_the_brands_by_default(tmp_path: Path) -> None:
    (tmp_path / "owners.yaml").write_text(
        "people: {}\ngroups:\n  zeta-care: {}\n  alpha-care: {}\n", encoding="utf-8"
    )
    assert first_group(tmp_path) == "zeta-care"
    (tmp_path / "owners.yaml").write_text("people: {}\ngroups: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no owner group"):
        first_group(tmp_path)


def test_scenarios_are_chosen_by_name_with_a_suggestion_for_a_typo() -> None:
    def build(seed: int) -> Scenario:
        raise AssertionError("not built while choosing")

    entries = {name: Entry(name, name, build) for name in ("intesa", "calm", "outage")}
    assert [e.name for e in select([], entries)] == ["intesa", "calm", "outage"]
    assert [e.name for e in select(["outage", "calm", "outage"], entries)] == ["outage", "calm"]
    with pytest.raises(ScenarioError, match='unknown scenario "intesta" \\(did you mean "intesa"'):
        select(["intesta"], entries)


def test_seeds_and_jobs_are_checked_on_the_command_line() -> None:
    assert seed_list("1,2") == (1, 2)
    assert seed_list("7") == (7,)
    for bad in ("1,x", "", "2,2"):
        with pytest.raises(argparse.ArgumentTypeError):
            seed_list(bad)
    assert positive("3") == 3
    with pytest.raises(argparse.ArgumentTypeError):
        positive("0")


def test_the_table_the_summary_and_the_report_say_the_same(tmp_path: Path) -> None:
    crisis = Scenario("wave", "Alpha, a wave", 2, ALPHA, START, Expected("employee-conduct", 6), [])
    calm = scenario("calm", BETA)
    rows = [judge(s, Seen(), {}, str) for s in (crisis, calm)]
    lines = table(rows).splitlines()
    assert lines[0].split()[:3] == ["scenario", "seed", "expected"]
    assert lines[1].split()[:4] == ["wave", "2", "employee-conduct", "≤6m"]
    assert lines[1].endswith("FAIL")
    assert lines[2] == "    why: nobody paged"
    assert lines[3].split()[:4] == ["calm", "1", "no", "page"]
    assert lines[3].endswith("pass")
    assert summary(rows, 12.3) == "passed 1 of 2 (seed 1: 1 of 1, seed 2: 0 of 1) in 12s"

    batch = Batch(1, 1, (crisis, calm))
    run = BatchRun(batch, tmp_path, tmp_path / "posts.jsonl", rows, {"total_seconds": 1.5})
    data = orjson.loads(report([run], rows, {"seeds": [1, 2]}))
    assert (data["passed"], data["total"], data["seeds"]) == (1, 2, [1, 2])
    assert data["per_seed"] == {"1": {"passed": 1, "total": 1}, "2": {"passed": 0, "total": 1}}
    assert data["batches"][0]["scenarios"] == ["wave", "calm"]
    assert (data["batches"][0]["late_posts"], data["batches"][0]["too_late_posts"]) == (0, 0)
    first = data["rows"][0]
    assert (first["scenario"], first["batch"], first["verdict"]) == ("wave", 1, "fail")
    assert first["reasons"] == ["nobody paged"]
    assert first["expected"]["within_minutes"] == 6
    assert first["onset"] == "2017-09-20T09:00:00+02:00"
    assert (first["first_page"], first["messages_per_person"], first["incidents"]) == (None, {}, [])
