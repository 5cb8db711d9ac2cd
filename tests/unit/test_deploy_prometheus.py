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
from listener.connectors.registry import KINDS
from listener.connectors.runtime.metrics import ConnectorMetrics
from listener.ops.metrics import Metrics, family_names
from listener.ops.promql import metric_names

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
#: Series Prometheus makes itself for every target.
SCRAPE_SERIES = {"up"}
DATASOURCE_UID = "listener-prometheus"
#: What every panel names as its datasource: the dashboard's own variable, so the boards
#: work in any Grafana, whatever its Prometheus datasource is called.
DATASOURCE_VARIABLE = "${datasource}"
#: Where each alert's runbook_url points: docs/operations.md on the project's pages.
RUNBOOKS = "https://github.com/listener-crisis/listener/blob/main/docs/operations.md#"
ALERTMANAGER = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
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
            if var["type"] == "datasource":
                continue
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
        url = rule["annotations"]["runbook_url"]
        assert url.startswith(RUNBOOKS), rule["alert"]
        assert url.removeprefix(RUNBOOKS) in guide_anchors(), rule["alert"]
        assert "runbook" not in rule["annotations"], rule["alert"]


def test_no_worker_up_also_fires_when_every_worker_target_has_gone() -> None:
    # With no target left there is no `up` series to compare with 0.
    assert 'absent(up{job="listener"})' in alert("ListenerNoWorkerUp")["expr"]


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
                assert panel["datasource"]["uid"] == DATASOURCE_VARIABLE, panel["title"]
                assert panel["targets"], panel["title"]
    assert uids == {"listener-crisis", "listener-operations"}


def test_dashboards_name_no_datasource_of_their_own_but_ask_for_a_prometheus_one() -> None:
    # A hard-coded uid breaks every panel in a Grafana whose datasource has another uid.
    for path in DASHBOARDS:
        board = dashboard(path)
        assert DATASOURCE_UID not in path.read_text(), path.name
        (variable,) = [v for v in board["templating"]["list"] if v["type"] == "datasource"]
        assert variable["name"] == "datasource" and variable["query"] == "prometheus"
        used = set(re.findall(r'"uid": "([^"]+)"', path.read_text())) - {board["uid"]}
        assert used <= {DATASOURCE_VARIABLE, "-- Grafana --"}, (path.name, used)


def test_the_crisis_board_shows_alerts_as_annotations() -> None:
    board = dashboard(GRAFANA / "dashboards" / "crisis-board.json")
    notes = [n for n in board["annotations"]["list"] if n.get("expr")]
    assert len(notes) == 1
    assert metric_names(notes[0]["expr"]) == {"listener_brand_last_alert_timestamp_seconds"}
    assert {v["name"] for v in board["templating"]["list"]} == {"datasource", "brand", "window"}


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


def test_prometheus_sends_the_alerts_to_the_alertmanager_of_compose_and_kubernetes() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    (k8s,) = [
        doc
        for doc in yaml.safe_load_all((ROOT / "deploy" / "k8s" / "alertmanager.yaml").read_text())
        if doc["kind"] == "Service"
    ]
    expected = {
        "prometheus.yml": f"alertmanager:{alertmanager_port(compose)}",
        "kubernetes.yml": f"{k8s['metadata']['name']}.listener.svc:9093",
    }
    for name, target in expected.items():
        config = yaml.safe_load((PROMETHEUS / name).read_text())
        (manager,) = config["alerting"]["alertmanagers"]
        assert manager["static_configs"][0]["targets"] == [target], name


def alertmanager_port(compose: dict[str, Any]) -> str:
    (mapping,) = compose["services"]["alertmanager"]["ports"]
    return str(mapping.rsplit(":", 1)[1])


def test_alertmanager_routes_every_severity_and_inhibits_only_existing_alerts() -> None:
    config = yaml.safe_load(ALERTMANAGER.read_text())
    receivers = {receiver["name"] for receiver in config["receivers"]}
    assert config["route"]["receiver"] in receivers
    assert {route["receiver"] for route in config["route"]["routes"]} <= receivers
    names = {rule["alert"] for rule in alert_rules()}
    for rule in config["inhibit_rules"]:
        for matcher in rule["source_matchers"] + rule["target_matchers"]:
            (name,) = re.fullmatch(r'alertname="(\w+)"', matcher).groups()  # type: ignore[union-attr]
            assert name in names, matcher
    (slack,) = config["receivers"][0]["slack_configs"]
    # The webhook URL is a secret: read from a file, never written in the config.
    assert "api_url" not in slack and slack["api_url_file"].startswith("/etc/alertmanager/")


def test_amtool_accepts_the_alertmanager_config() -> None:
    if shutil.which("amtool") is None:
        pytest.skip("amtool is not installed (Debian: prometheus-alertmanager)")
    result = subprocess.run(
        ["amtool", "check-config", str(ALERTMANAGER)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
