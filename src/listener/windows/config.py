"""How a partition's windows are cut and seeded: :class:`WindowConfig`, built from the
rules (listener.rules.runtime.window_config) and read by every partition's state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from listener.windows.counting.brand import NO_TOPICS
from listener.windows.counting.words import TopicIndex

#: (posts per hour, negative share) of a brand with no baseline in brands.yaml.
DEFAULT_PRIOR = (10.0, 0.2)


@dataclass(frozen=True, slots=True)
class WindowConfig:
    """How windows are cut: step and sizes in seconds, lateness, upstream partition count."""

    step: int
    sizes: tuple[int, ...]
    lateness: int
    raw_partitions: int
    #: Wait for late posts of a raw partition followed live only as long as its posts
    #: have needed lately (at most ``lateness``), instead of ``lateness`` always.
    learn_lateness: bool = True
    half_life: int = 86_400
    #: Per brand: (expected posts per hour, usual negative share), seeds of the baseline.
    priors: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    #: The risks a post's text is about (risks.yaml ``topics``), and per brand the same with
    #: the brand's own words for them (brands.yaml ``topics``).
    topics: TopicIndex = NO_TOPICS
    brand_topics: Mapping[str, TopicIndex] = field(default_factory=dict)
    #: Per brand: the language it is written about in (brands.yaml), for its own posts.
    languages: Mapping[str, str] = field(default_factory=dict)

    @property
    def horizon(self) -> int:
        return max(self.sizes)

    def topics_of(self, brand: str) -> TopicIndex:
        """The topic words ``brand``'s posts are read for."""
        return self.brand_topics.get(brand, self.topics)
