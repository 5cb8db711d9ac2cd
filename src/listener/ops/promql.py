"""The metric names a PromQL expression reads.

Used to check that every dashboard panel and alert rule in deploy/ refers to a metric
listener really exports (see :func:`listener.ops.metrics.family_names`): a renamed metric
otherwise leaves an empty panel or an alert that can never fire, and nobody notices.

This is a scanner, not a parser: it removes what cannot be a metric name (strings, label
matchers, ranges, grouping clauses, Grafana variables, numbers and durations) and keeps the
identifiers not followed by ``(`` that are not PromQL keywords. Syntax is checked elsewhere
(``promtool check rules``).
"""

from __future__ import annotations

import re
from typing import Final

#: Words of PromQL that look like identifiers but are not metric names.
KEYWORDS: Final = frozenset(
    {
        # binary operators and modifiers
        "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
        "bool", "offset", "atan2", "inf", "nan", "start", "end",
        # aggregations (also written before their grouping: ``sum by (x) (...)``)
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
        "bottomk", "topk", "quantile", "limitk", "limit_ratio",
    }
)  # fmt: skip

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_GRAFANA_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+|\[\[\w+\]\]")
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_NAME_MATCHER = re.compile(r"__name__\s*=\s*\"([a-zA-Z_:][a-zA-Z0-9_:]*)\"")
_IDENTIFIER = re.compile(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?")


def metric_names(expr: str) -> set[str]:
    """Every metric name ``expr`` selects, e.g. ``{"listener_consumer_lag"}`` for
    ``sum by (topic) (listener_consumer_lag{topic=~"$topic"})``."""
    names = set(_NAME_MATCHER.findall(expr))
    text = _GRAFANA_VARIABLE.sub(" ", expr)
    text = _STRING.sub('""', text)
    text = _MATCHERS.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    for match in _IDENTIFIER.finditer(text):
        word, call = match.group(1), match.group(2)
        if call is None and word not in KEYWORDS:
            names.add(word)
    return names
