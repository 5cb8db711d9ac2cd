"""Prometheus config, alert rules and Grafana dashboards in deploy/: they parse, promtool
accepts them, the rules behave as their tests say, and every metric they read is one
listener exports, from a worker or from the connectors process (a renamed metric would
otherwise leave a blind panel or a dead alert)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry
from pydantic import TypeAdapter

from listener.connectors.config import Duration
from listener.connectors.metrics import ConnectorMetrics
from listener.connectors.registry import KINDS
from listener.metrics import Metrics, family_names
from listener.ops.promql import metric_names

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
#: Series Prometheus makes itself for every target.
SCRAPE_SERIES = {"up"}
DATASOURCE_UID = "listener-prometheus"
#: The scrape jobs the rules and dashboards select on: the workers and the connectors process.
JOBS = {"listener", "listener-connectors"}


def worker_metrics() -> set[str]:
    registry = CollectorRegistry()
    Metrics.create(registry)
    return family_names(registry)


def connector_metrics() -> set[str]:
    registry = CollectorRegistry()
    ConnectorMetrics.create(registry)
    return family_names(registry)


def exported() -> set[str]:
    """What the two kinds of listener process export (each has a registry of its own)."""
    return worker_metrics() | connector_metrics() | SCRAPE_SERIES


def alert_rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for path in sorted((PROMETHEUS / "rules").glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            rules.extend(group["rules"])
    return rules


def dashboard(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])


def dashboard_queries() -> list[tuple[str, str]]:
    """(where, PromQL) of every panel target, template variable and annotation."""
    found: list[tuple[str, str]] = []
    for path in DASHBOARDS:
        board = dashboard(path)
        for panel in panels(board):
            for target in panel.get("targets", []):
                found.append((f"{path.name}: {panel['title']}", target["expr"]))
        for var in board["templating"]["list"]:
            query = var["query"]["query"]
            inner = re.fullmatch(r"label_values\((.+),\s*\w+\)", query)
            found.append((f"{path.name}: ${var['name']}", inner.group(1) if inner else query))
        for note in board["annotations"]["list"]:
            if "expr" in note:
                found.append((f"{path.name}: annotation {note['name']}", note["expr"]))
    return found


def alert(name: str) -> dict[str, Any]:
    (rule,) = [rule for rule in alert_rules() if rule.get("alert") == name]
    return rule


def scrape_jobs(path: Path) -> dict[str, dict[str, Any]]:
    config = yaml.safe_load(path.read_text())
    return {job["job_name"]: job for job in config["scrape_configs"]}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("promtool") is None:
        pytest.skip("promtool is not installed (Debian: apt-get install prometheus)")
    return subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=60)


def test_there_are_two_dashboards_and_a_rules_file() -> None:
    assert [p.name for p in DASHBOARDS] == ["crisis-board.json", "operations.json"]
    assert len(alert_rules()) >= 8


def test_every_metric_in_the_alert_rules_is_exported() -> None:
    names = exported()
    used = [(rule["alert"], n) for rule in alert_rules() for n in metric_names(rule["expr"])]
    assert [(alert, n) for alert, n in used if n not in names] == []
    assert len(used) >= len(alert_rules())


def test_every_metric_in_the_dashboards_is_exported() -> None:
    names = exported()
    used = [(where, n) for where, expr in dashboard_queries() for n in metric_names(expr)]
    assert [(where, n) for where, n in used if n not in names] == []
    assert len(dashboard_queries()) > 40


def test_the_name_check_would_catch_a_dashboard_reading_a_metric_that_does_not_exist() -> None:
    expr = "sum by (topic) (rate(listener_consumer_lags[5m]))"
    assert metric_names(expr) - exported() == {"listener_consumer_lags"}


def test_the_name_check_knows_the_connector_metrics_and_catches_a_misspelt_one() -> None:
    names = exported()
    assert {
        "listener_connector_last_success_timestamp_seconds",
        "listener_connector_errors_total",
        "listener_connector_posts_fetched_total",
        "listener_connector_lag_seconds",
        "listener_connector_requests_total",
    } <= names
    expr = "time() - max by (connector) (listener_connector_last_success_seconds)"
    assert metric_names(expr) - names == {"listener_connector_last_success_seconds"}


def test_the_alert_rules_cover_what_operators_must_hear_about() -> None:
    alerts = {rule["alert"] for rule in alert_rules()}
    assert {
        "ListenerWorkerDown", "ListenerConsumerLagGrowing", "ListenerNotificationsFailing",
        "ListenerSourceSilent", "ListenerDeadLettersRising", "ListenerEventClockStalled",
        "ListenerBrokerUnreachable", "ListenerConnectorsDown", "ListenerConnectorErrors",
    } <= alerts  # fmt: skip
    for rule in alert_rules():
        assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        anchor = rule["annotations"]["runbook"].split("#")[1]
        assert anchor in guide_anchors(), rule["alert"]


def test_source_alerts_read_the_connectors_own_metrics_not_what_the_workers_receive() -> None:
    # A quiet brand and a broken source both send no posts; only the connectors' own
    # metrics tell them apart, so no source alert may count posts.
    own = connector_metrics()
    for name in ("ListenerSourceSilent", "ListenerConnectorErrors"):
        read = metric_names(alert(name)["expr"])
        assert read and read <= own, (name, read)
    assert "listener_connector_last_success_timestamp_seconds" in metric_names(
        alert("ListenerSourceSilent")["expr"]
    )
    assert "listener_connector_errors_total" in metric_names(
        alert("ListenerConnectorErrors")["expr"]
    )
    assert 'up{job="listener-connectors"} == 0' in alert("ListenerConnectorsDown")["expr"]


def test_the_silence_alert_leaves_out_exactly_the_kinds_that_wait_for_senders() -> None:
    # An endpoint succeeds only when someone sends it something: its silence is no outage.
    expr = alert("ListenerSourceSilent")["expr"]
    (kinds,) = re.findall(r'listener_connector_posts_fetched_total\{kind=~"([^"]+)"\}', expr)
    endpoints = {name for name, kind in KINDS.items() if kind.endpoint is not None}
    assert set(kinds.split("|")) == endpoints


def test_the_silence_threshold_leaves_room_for_three_polls_of_every_configured_source() -> None:
    # A source polled every 5 minutes must not look silent between two of its polls.
    (threshold,) = re.findall(
        r"time\(\) - listener_connector_last_success_timestamp_seconds > (\d+)",
        alert("ListenerSourceSilent")["expr"],
    )
    duration = TypeAdapter(Duration)
    intervals = {}
    for path in sorted((ROOT / "connectors").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        field = KINDS[data["kind"]].model.model_fields.get("poll_interval")
        if field is not None:  # endpoints are not polled
            written = data.get("poll_interval")
            intervals[path.name] = (
                field.default if written is None else duration.validate_python(written)
            )
    assert intervals
    assert int(threshold) >= 3 * max(intervals.values()), intervals


def test_every_job_the_rules_and_dashboards_select_is_scraped_in_compose_and_kubernetes() -> None:
    exprs = [rule["expr"] for rule in alert_rules()] + [e for _, e in dashboard_queries()]
    selected = {job for expr in exprs for job in re.findall(r'job="([^"]+)"', expr)}
    assert selected == JOBS
    assert set(scrape_jobs(PROMETHEUS / "prometheus.yml")) >= JOBS
    assert set(scrape_jobs(PROMETHEUS / "kubernetes.yml")) == JOBS


def test_the_operations_board_has_a_connectors_row() -> None:
    board = dashboard(GRAFANA / "dashboards" / "operations.json")
    rows = sorted((p["gridPos"]["y"], p["title"]) for p in board["panels"] if p["type"] == "row")
    (start,) = [y for y, title in rows if title == "Connectors"]
    end = min([y for y, _ in rows if y > start], default=10**6)
    read: set[str] = set()
    for panel in board["panels"]:
        if panel["type"] != "row" and start < panel["gridPos"]["y"] < end:
            for target in panel["targets"]:
                read |= metric_names(target["expr"])
    assert {
        "up",
        "listener_connector_posts_fetched_total",
        "listener_connector_errors_total",
        "listener_connector_last_success_timestamp_seconds",
        "listener_connector_lag_seconds",
    } <= read


def guide_anchors() -> set[str]:
    """The anchors GitHub gives the headings of docs/operations.md."""
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    headings = re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


def test_dashboards_are_well_formed_and_use_the_provisioned_datasource() -> None:
    source = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    assert source["datasources"][0]["uid"] == DATASOURCE_UID
    uids = set()
    for path in DASHBOARDS:
        board = dashboard(path)
        uids.add(board["uid"])
        ids = [panel["id"] for panel in panels(board)]
        assert len(ids) == len(set(ids)), path.name
        for panel in panels(board):
            assert (
                panel["gridPos"]["x"] >= 0 and panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
            )
            if panel["type"] != "row":
                assert panel["datasource"]["uid"] == DATASOURCE_UID, panel["title"]
                assert panel["targets"], panel["title"]
    assert uids == {"listener-crisis", "listener-operations"}


def test_the_crisis_board_shows_alerts_as_annotations() -> None:
    board = dashboard(GRAFANA / "dashboards" / "crisis-board.json")
    notes = [n for n in board["annotations"]["list"] if n.get("expr")]
    assert len(notes) == 1
    assert metric_names(notes[0]["expr"]) == {"listener_brand_last_alert_timestamp_seconds"}
    assert {v["name"] for v in board["templating"]["list"]} == {"brand", "window"}


def test_promtool_accepts_the_config_and_the_rules() -> None:
    result = promtool("check", "config", str(PROMETHEUS / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout


def test_promtool_accepts_the_kubernetes_scrape_config(tmp_path: Path) -> None:
    path = PROMETHEUS / "kubernetes.yml"
    result = promtool("check", "config", str(path))
    if "kubernetes_sd_configs not found" in result.stdout + result.stderr:
        # Debian's promtool is built without Kubernetes discovery: check everything else
        # (relabelling, jobs) with a static target in its place.
        config = yaml.safe_load(path.read_text())
        config.pop("rule_files")
        for job in config["scrape_configs"]:
            assert job.pop("kubernetes_sd_configs")[0]["role"] == "pod", job["job_name"]
            job["static_configs"] = [{"targets": ["pod:6066"]}]
        path = tmp_path / "kubernetes.yml"
        path.write_text(yaml.safe_dump(config))
        result = promtool("check", "config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_alert_rules_pass_their_promtool_tests() -> None:
    result = promtool("test", "rules", str(PROMETHEUS / "tests" / "listener_test.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_parses_every_dashboard_query(tmp_path: Path) -> None:
    def concrete(expr: str) -> str:
        # Grafana fills these in before Prometheus sees the query.
        expr = expr.replace("$__rate_interval", "5m").replace("$__range", "1h")
        return re.sub(r"\$\{?\w+\}?", "x", expr)

    rules = [
        {"record": f"dashboard:query{i}", "expr": concrete(expr)}
        for i, (_, expr) in enumerate(dashboard_queries())
    ]
    path = tmp_path / "dashboards.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
