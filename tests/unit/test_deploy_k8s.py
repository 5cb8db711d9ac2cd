"""deploy/k8s, checked without a cluster: every object against the Kubernetes schemas, the
probes against the worker's real pages and port, the topics and settings against the code."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from listener.settings import Settings
from listener.topics import TopicNames

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
#: The Kubernetes release whose schemas the manifests are checked against.
KUBERNETES = "1.31"


def manifests() -> dict[str, list[dict[str, Any]]]:
    """File name -> its objects, for every manifest (the kustomization is not one)."""
    return {
        path.name: [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
        for path in sorted(K8S.glob("*.yaml"))
        if path.name != "kustomization.yaml"
    }


def objects() -> dict[str, dict[str, Any]]:
    """``Kind/name`` -> object."""
    found = {}
    for docs in manifests().values():
        for doc in docs:
            found[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return found


def kustomization() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    return data


def worker() -> dict[str, Any]:
    container: dict[str, Any] = objects()["Deployment/listener-worker"]["spec"]["template"]["spec"][
        "containers"
    ][0]
    return container


def pages() -> set[str]:
    """The paths app.py serves: the arguments of its ``@app.page(...)`` decorators."""
    tree = ast.parse((ROOT / "src" / "listener" / "app.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "page"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def settings_map() -> dict[str, str]:
    data: dict[str, str] = objects()["ConfigMap/listener-settings"]["data"]
    return data


def test_every_object_has_an_api_version_a_kind_and_a_name() -> None:
    for name, docs in manifests().items():
        assert docs, name
        for doc in docs:
            assert doc["apiVersion"] and doc["kind"], name
            assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", doc["metadata"]["name"]), name


def test_every_object_follows_the_kubernetes_schema() -> None:
    validate = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate (the schemas) is not installed"
    )
    for docs in manifests().values():
        for doc in docs:
            validate.validate(doc, KUBERNETES, strict=True)  # raises with the offending field


def test_the_schema_check_does_refuse_a_misspelt_probe() -> None:
    validate = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate (the schemas) is not installed"
    )
    deployment = objects()["Deployment/listener-worker"]
    probe = deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    probe["httpGet"]["paht"] = probe["httpGet"].pop("path")
    with pytest.raises(validate.ValidationError, match="paht"):
        validate.validate(deployment, KUBERNETES, strict=True)


def test_the_probes_ask_the_workers_real_pages_on_its_real_port() -> None:
    container = worker()
    served = pages()
    assert {"/health/live", "/health/ready", "/metrics"} <= served
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["startupProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    (port,) = container["ports"]
    assert port == {"name": "http", "containerPort": Settings().web_port}
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] == "http"
    assert settings_map()["LISTENER_WEB_PORT"] == str(Settings().web_port)
    assert settings_map()["LISTENER_WEB_HOST"] == "0.0.0.0"
    annotations = objects()["Deployment/listener-worker"]["spec"]["template"]["metadata"]
    assert annotations["annotations"]["prometheus.io/path"] in served


def test_the_worker_has_resources_settings_credentials_and_rules() -> None:
    container = worker()
    resources = container["resources"]
    assert resources["requests"]["cpu"] and resources["requests"]["memory"]
    assert resources["limits"]["memory"]
    sources = container["envFrom"]
    assert {"configMapRef": {"name": "listener-settings"}} in sources
    assert {"secretRef": {"name": "listener-credentials", "optional": True}} in sources
    env = {e["name"]: e["value"] for e in container["env"]}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert env["LISTENER_RULES_DIR"] == mounts["rules"]
    assert env["LISTENER_DATA_DIR"] == mounts["data"]
    volumes = {
        v["name"]: v
        for v in objects()["Deployment/listener-worker"]["spec"]["template"]["spec"]["volumes"]
    }
    assert volumes["rules"]["configMap"]["name"] == "listener-rules"
    assert objects()["ConfigMap/listener-connectors"]["data"] == {}  # filled at deployment


def test_every_setting_in_the_config_map_is_a_listener_setting() -> None:
    known = {f"LISTENER_{name.upper()}" for name in Settings.model_fields}
    assert set(settings_map()) - known == set()
    Settings(**{k.removeprefix("LISTENER_").lower(): v for k, v in settings_map().items()})


def test_replicas_do_not_exceed_the_partitions_they_share() -> None:
    replicas = objects()["Deployment/listener-worker"]["spec"]["replicas"]
    assert 1 <= replicas <= int(settings_map()["LISTENER_PARTITIONS"])
    assert "LISTENER_PARTITIONS" in (K8S / "deployment.yaml").read_text()  # the scaling note


def test_the_service_and_disruption_budget_select_the_workers() -> None:
    found = objects()
    pod_labels = found["Deployment/listener-worker"]["spec"]["template"]["metadata"]["labels"]
    selector = found["Service/listener-worker"]["spec"]["selector"]
    assert selector.items() <= pod_labels.items()
    assert found["Service/listener-worker"]["spec"]["ports"][0]["targetPort"] == "http"
    budget = found["PodDisruptionBudget/listener-worker"]["spec"]["selector"]["matchLabels"]
    assert budget.items() <= pod_labels.items()


def test_the_topics_job_creates_every_listener_topic() -> None:
    job = objects()["Job/listener-topics"]
    script = job["spec"]["template"]["spec"]["containers"][0]["args"][0]
    prefix = settings_map()["LISTENER_TOPIC_PREFIX"]
    created = {
        name.replace("$LISTENER_TOPIC_PREFIX", prefix)
        for name in re.findall(r'--topic "([^"]+)"', script)
    }
    settings = Settings(topic_prefix=prefix)
    assert created == set(TopicNames.for_settings(settings).all())


def test_the_kustomization_lists_every_manifest_and_every_rules_file() -> None:
    config = kustomization()
    assert set(config["resources"]) == set(manifests())
    (generator,) = config["configMapGenerator"]
    assert generator["name"] == "listener-rules"
    listed = {(K8S / f).resolve() for f in generator["files"]}
    assert listed == {p.resolve() for p in (ROOT / "rules").glob("*.yaml")}


def test_kustomize_renders_the_whole_deployment() -> None:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed (it renders the kustomization)")
    result = subprocess.run(
        ["kubectl", "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(K8S)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rendered = {
        f"{d['kind']}/{d['metadata']['name']}": d for d in yaml.safe_load_all(result.stdout)
    }
    (rules,) = [k for k in rendered if k.startswith("ConfigMap/listener-rules-")]
    assert set(rendered[rules]["data"]) == {p.name for p in (ROOT / "rules").glob("*.yaml")}
    deployment = rendered["Deployment/listener-worker"]
    volumes = deployment["spec"]["template"]["spec"]["volumes"]
    assert {"name": "rules", "configMap": {"name": rules.split("/")[1]}} in volumes
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "listener:0.1.0"
    namespaced = [d for k, d in rendered.items() if not k.startswith("Namespace/")]
    assert {d["metadata"]["namespace"] for d in namespaced} == {"listener"}
