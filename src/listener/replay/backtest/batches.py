"""Which scenarios replay together, and the replay file and rules directory of each batch.

Scenarios about different brands share one pipeline run: their posts are merged into one
replay file in event-time order and brands.yaml lists every brand of the batch, so each
brand's windows, baselines and incidents are its own (a merged run gives each scenario the
same alerts and pages as a run of its own). Two scenarios go into different batches when
they would disturb each other: the same brand id, posts of one that the other's brand
would also claim, or the same post key in both (the scorer would drop the second copy as
a duplicate). A batch also stays under a number of brand-minutes (each scenario's span of
event time, first post to last, summed): a run's time goes mostly into judging every
minute of every brand it holds, and one run must end well within the time the replay
driver waits for it.
"""

from __future__ import annotations

import heapq
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import yaml

from listener.enrich.brands import BrandMatcher, BrandTerms
from listener.errors import ConfigError, ConfigIssue
from listener.records import Post
from listener.replay.scenarios.catalog import BrandSpec, Scenario
from listener.rules.files.loader import FILES
from listener.rules.files.yamlfile import UNREADABLE, read_yaml

#: Files of the rules directory a batch does not take from the one given: the brands are
#: the scenarios', and nobody real is ever notified (notifications stay in the topics).
REPLACED: Final = frozenset({"brands.yaml", "notifiers.yaml"})

BRANDS_HEADER: Final = """\
# Written by `listener backtest`: the brands of the scenarios replayed together in one run.
# The other files of this directory are copies of the rules directory given.
"""


@dataclass(frozen=True, slots=True)
class Batch:
    """Scenarios of one seed replayed together through one pipeline run."""

    seed: int
    number: int  # from 1, over the whole backtest
    scenarios: tuple[Scenario, ...]

    @property
    def brands(self) -> tuple[BrandSpec, ...]:
        return tuple(s.brand for s in self.scenarios)

    @property
    def posts(self) -> int:
        return sum(len(s.posts) for s in self.scenarios)

    @property
    def minutes(self) -> int:
        return sum(brand_minutes(s) for s in self.scenarios)

    def merged(self) -> list[Post]:
        """Every post of the batch in event-time order (stable: scenario order for ties)."""
        ordered = (sorted(s.posts, key=lambda p: p.ts) for s in self.scenarios)
        return list(heapq.merge(*ordered, key=lambda p: p.ts))


def brand_minutes(scenario: Scenario) -> int:
    """The minutes of event time the pipeline judges the scenario's brand for."""
    if not scenario.posts:
        return 0
    times = [post.ts for post in scenario.posts]
    return int((max(times) - min(times)) // 60) + 1


def terms_of(brand: BrandSpec) -> BrandTerms:
    return BrandTerms(
        brand=brand.id,
        terms=brand.terms,
        hashtags=brand.hashtags,
        handles=brand.handles,
        exclude=brand.exclude,
        own_accounts=brand.own_accounts,
        channels=brand.channels,
    )


@dataclass(frozen=True, slots=True)
class Footprint:
    """What of a scenario another one could disturb in a shared run."""

    brand: str
    #: Other brands of the selection that some of its posts name.
    names: frozenset[str]
    keys: frozenset[str]

    def clashes(self, other: Footprint) -> bool:
        return (
            self.brand == other.brand
            or other.brand in self.names
            or self.brand in other.names
            or not self.keys.isdisjoint(other.keys)
        )


def footprints(scenarios: Sequence[Scenario]) -> list[Footprint]:
    """The footprint of each scenario among ``scenarios``."""
    brands: dict[str, BrandSpec] = {}
    for scenario in scenarios:
        brands.setdefault(scenario.brand.id, scenario.brand)
    matcher = BrandMatcher(terms_of(brand) for brand in brands.values())
    out: list[Footprint] = []
    for scenario in scenarios:
        named = {m.brand for post in scenario.posts for m in matcher.match(post)}
        keys = frozenset(post.key for post in scenario.posts)
        out.append(Footprint(scenario.brand.id, frozenset(named - {scenario.brand.id}), keys))
    return out


def partition(scenarios: Sequence[Scenario], max_minutes: int) -> list[list[Scenario]]:
    """Greedy first fit, largest scenario first: each joins the first batch it clashes
    with no scenario of and that stays within ``max_minutes`` brand-minutes, else starts a
    new one (alone, however large it is). Scenarios keep their given order in a batch."""
    prints = footprints(scenarios)
    sizes = [brand_minutes(scenario) for scenario in scenarios]
    batches: list[list[int]] = []
    for index in sorted(range(len(scenarios)), key=lambda i: -sizes[i]):
        for batch in batches:
            fits = sum(sizes[other] for other in batch) + sizes[index] <= max_minutes
            if fits and not any(prints[index].clashes(prints[other]) for other in batch):
                batch.append(index)
                break
        else:
            batches.append([index])
    return [[scenarios[index] for index in sorted(batch)] for batch in batches]


def plan(by_seed: Mapping[int, Sequence[Scenario]], max_minutes: int) -> list[Batch]:
    """The batches of every seed, numbered from 1 in seed order."""
    out: list[Batch] = []
    for seed, scenarios in by_seed.items():
        for group in partition(scenarios, max_minutes):
            out.append(Batch(seed, len(out) + 1, tuple(group)))
    return out


def first_group(rules_dir: Path) -> str:
    """The first owner group of owners.yaml: who owns the scenario brands by default."""
    label = str(rules_dir / "owners.yaml")
    issues: list[ConfigIssue] = []
    data = read_yaml(rules_dir / "owners.yaml", label, issues)
    groups = data.get("groups") if isinstance(data, dict) else None
    if data is UNREADABLE or not isinstance(groups, dict) or not groups:
        issues.append(ConfigIssue(label, "groups", "no owner group to own the scenario brands"))
        raise ConfigError(issues)
    return str(next(iter(groups)))


def brands_yaml(brands: Iterable[BrandSpec], owners: str) -> str:
    """brands.yaml listing ``brands``, each owned by the group ``owners``."""
    entries = {brand.id: brand.to_yaml(owners) for brand in brands}
    body = yaml.safe_dump({"brands": entries}, sort_keys=False, allow_unicode=True, width=100)
    return BRANDS_HEADER + body


def write_rules(source: Path, target: Path, brands: Iterable[BrandSpec], owners: str) -> Path:
    """A rules directory at ``target``: the files of ``source`` but brands.yaml (the
    scenario brands) and notifiers.yaml (none: nobody is notified)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        if name not in REPLACED and (source / name).is_file():
            shutil.copyfile(source / name, target / name)
        else:  # left by an earlier run, or a file the source no longer has
            (target / name).unlink(missing_ok=True)
    (target / "brands.yaml").write_text(brands_yaml(brands, owners), encoding="utf-8")
    return target
