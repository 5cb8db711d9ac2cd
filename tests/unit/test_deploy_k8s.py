"""deploy/k8s, checked without a cluster: every object against the Kubernetes schemas, the
probes against the real pages and ports of the worker and of the connectors process, their
command lines against listener's own, the topics and settings against the code."""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from listener.cli import build_parser, cmd_connectors, cmd_topics
from listener.connectors.registry import KINDS
from listener.connectors.runtime.service import metrics_app
from listener.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
CONNECTORS = ROOT / "connectors"
#: The pod label that tells the workers from the connectors process.
LABEL = "app.kubernetes.io/component"
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


def connectors_pod() -> dict[str, Any]:
    spec: dict[str, Any] = objects()["Deployment/listener-connectors"]["spec"]["template"]
    return spec


def connectors() -> dict[str, Any]:
    container: dict[str, Any] = connectors_pod()["spec"]["containers"][0]
    return container


def connectors_args() -> argparse.Namespace:
    """The container's arguments, parsed by listener's own command line (the image's
    entrypoint is ``listener``)."""
    return build_parser().parse_args(connectors()["args"])


def connector_pages() -> set[str]:
    """The pages the connectors' metrics server really serves."""
    app = metrics_app(CollectorRegistry())
    return {route.resource.canonical for route in app.router.routes() if route.resource}


def endpoint_ports() -> dict[str, int]:
    """The port of every file of connectors/ of a kind that listens (a webhook)."""
    ports = {}
    for path in sorted(CONNECTORS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        if KINDS[data["kind"]].endpoint is not None:
            ports[path.name] = int(data["port"])
    return ports


def pages() -> set[str]:
    """The paths the worker serves itself: the arguments of ``app.page(...)`` in
    ops/pages.py."""
    tree = ast.parse((ROOT / "src" / "listener" / "ops" / "pages.py").read_text())
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
    assert container["readinessProbe"]["httpGet"]["port"] == "http"
    # Liveness on the port and thread of its own that the settings give it.
    health = int(settings_map()["LISTENER_HEALTH_PORT"])
    assert health not in (Settings().web_port, 0)
    for probe in ("livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] == health
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
    # The sources' tokens are the connectors' alone.
    assert "listener-connector-credentials" not in (K8S / "deployment.yaml").read_text()


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


def test_the_topics_job_runs_listener_topics_with_the_workers_settings() -> None:
    # The listener image itself, so the topics get the configs of listener.broker.kafka_client
    # and the Job reaches a TLS or SASL cluster with the workers' own settings.
    pod = objects()["Job/listener-topics"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == worker()["image"] == "listener"
    args = build_parser().parse_args(container["args"])
    assert args.func is cmd_topics
    assert container["envFrom"] == worker()["envFrom"]
    assert pod["securityContext"]["runAsNonRoot"] is True


def pod_specs() -> dict[str, dict[str, Any]]:
    """``Kind/name`` -> pod spec, for every object that runs pods."""
    return {
        key: obj["spec"]["template"]["spec"]
        for key, obj in objects().items()
        if obj["kind"] in ("Deployment", "Job", "StatefulSet", "DaemonSet")
    }


def test_no_pod_gets_a_service_account_token() -> None:
    # Nothing in listener calls the Kubernetes API; a mounted token is only for an intruder.
    specs = pod_specs()
    assert {"Deployment/listener-worker", "Deployment/listener-connectors"} <= set(specs)
    for key, spec in specs.items():
        assert spec.get("automountServiceAccountToken") is False, key


def policies() -> list[dict[str, Any]]:
    return [obj for obj in objects().values() if obj["kind"] == "NetworkPolicy"]


def test_ingress_is_denied_by_default_and_each_pod_opens_only_its_own_ports() -> None:
    deny = [p for p in policies() if p["spec"]["podSelector"] == {}]
    assert len(deny) == 1 and deny[0]["spec"]["policyTypes"] == ["Ingress"]
    assert "ingress" not in deny[0]["spec"]
    for key, obj in objects().items():
        if obj["kind"] != "Deployment":
            continue
        labels = obj["spec"]["template"]["metadata"]["labels"]
        ports = {
            port["containerPort"]
            for container in obj["spec"]["template"]["spec"]["containers"]
            for port in container.get("ports", [])
        }
        opened = {
            port["port"]
            for policy in policies()
            if policy["spec"]["podSelector"]
            and policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items()
            for rule in policy["spec"].get("ingress", [])
            for port in rule["ports"]
        }
        assert opened == ports, key
    for policy in policies():
        for rule in policy["spec"].get("ingress", []):
            assert rule.get("from"), f"{policy['metadata']['name']}: open to every pod"


def test_the_kustomization_lists_every_manifest_rules_file_and_connector_file() -> None:
    config = kustomization()
    assert set(config["resources"]) == set(manifests())
    generators = {g["name"]: g for g in config["configMapGenerator"]}
    assert set(generators) == {
        "listener-rules", "listener-connectors", "listener-alertmanager-config"
    }  # fmt: skip
    (config,) = generators["listener-alertmanager-config"]["files"]
    assert (K8S / config).resolve() == (ROOT / "deploy" / "alertmanager" / "alertmanager.yml")
    for name, directory in (("listener-rules", "rules"), ("listener-connectors", "connectors")):
        listed = {(K8S / f).resolve() for f in generators[name]["files"]}
        assert listed == {p.resolve() for p in (ROOT / directory).glob("*.yaml")}, name


def test_one_connectors_process_replaced_never_run_beside_its_successor() -> None:
    deployment = objects()["Deployment/listener-connectors"]
    assert deployment["spec"]["replicas"] == 1
    # A rolling update would start the new pod while the old one still polls the sources.
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    text = (K8S / "deployment-connectors.yaml").read_text()
    assert "One replica" in text and "checkpoints" in text  # the reason, beside the setting
    for doc in objects().values():  # no autoscaler, no disruption budget for it
        selector = doc.get("spec", {}).get("selector", {}).get("matchLabels", {})
        scaled = doc.get("spec", {}).get("scaleTargetRef", {}).get("name")
        assert scaled != "listener-connectors"
        if doc["kind"] == "PodDisruptionBudget":
            assert not selector.items() <= connectors_pod()["metadata"]["labels"].items()


def test_the_connectors_run_listener_connectors_on_the_mounted_config_map() -> None:
    container = connectors()
    args = connectors_args()
    assert args.func is cmd_connectors and not args.check
    assert container["image"] == worker()["image"]
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    mount = mounts[str(args.dir)]
    assert mount["readOnly"] is True
    volumes = {v["name"]: v for v in connectors_pod()["spec"]["volumes"]}
    assert volumes[mount["name"]]["configMap"]["name"] == "listener-connectors"


def test_the_connectors_probes_and_scrape_annotations_ask_its_real_page_and_port() -> None:
    container = connectors()
    port = connectors_args().metrics_port
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["metrics"] == port
    served = connector_pages()
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["port"] == "metrics", probe
        assert container[probe]["httpGet"]["path"] in served, probe
    assert "startupProbe" not in container or container["startupProbe"]["httpGet"]["path"] in served
    # The server binds LISTENER_WEB_HOST, from the settings map: every interface.
    assert {"configMapRef": {"name": "listener-settings"}} in container["envFrom"]
    assert settings_map()["LISTENER_WEB_HOST"] == "0.0.0.0"
    annotations = connectors_pod()["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(port)
    assert annotations["prometheus.io/path"] in served


def test_the_connectors_credentials_come_from_their_own_optional_secret() -> None:
    container = connectors()
    secrets = [s["secretRef"] for s in container["envFrom"] if "secretRef" in s]
    assert secrets == [{"name": "listener-connector-credentials", "optional": True}]
    assert "env" not in container or all("value" not in e for e in container["env"])


def test_the_connectors_run_as_locked_down_as_the_workers() -> None:
    worker_pod = objects()["Deployment/listener-worker"]["spec"]["template"]["spec"]
    assert connectors_pod()["spec"]["securityContext"] == worker_pod["securityContext"]
    assert connectors()["securityContext"] == worker()["securityContext"]
    resources = connectors()["resources"]
    assert resources["requests"]["cpu"] and resources["requests"]["memory"]
    assert resources["limits"]["memory"]


def test_the_connectors_service_carries_metrics_and_every_endpoint_port() -> None:
    found = objects()
    pod_labels = connectors_pod()["metadata"]["labels"]
    worker_labels = found["Deployment/listener-worker"]["spec"]["template"]["metadata"]["labels"]
    service = found["Service/listener-connectors"]["spec"]
    assert service["selector"].items() <= pod_labels.items()
    assert not service["selector"].items() <= worker_labels.items()
    # ... and the workers' Service does not send its traffic to the connectors.
    assert not found["Service/listener-worker"]["spec"]["selector"].items() <= pod_labels.items()
    container_ports = {p["name"]: p["containerPort"] for p in connectors()["ports"]}
    targets = {p["targetPort"] for p in service["ports"]}
    assert targets == set(container_ports)
    assert endpoint_ports()  # connectors/ingest.yaml
    assert set(endpoint_ports().values()) <= set(container_ports.values())


def test_the_kubernetes_scrape_jobs_find_the_pods_of_each_deployment() -> None:
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "kubernetes.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    found = objects()
    for job, deployment in (
        ("listener", "listener-worker"), ("listener-connectors", "listener-connectors")
    ):  # fmt: skip
        pod = found[f"Deployment/{deployment}"]["spec"]["template"]["metadata"]
        keep = {
            rule["source_labels"][0]: rule["regex"]
            for rule in jobs[job]["relabel_configs"]
            if rule.get("action") == "keep"
        }
        component = keep["__meta_kubernetes_pod_label_app_kubernetes_io_component"]
        assert re.fullmatch(component, pod["labels"][LABEL]), job
        assert re.fullmatch(
            keep["__meta_kubernetes_pod_annotation_prometheus_io_scrape"],
            pod["annotations"]["prometheus.io/scrape"],
        ), job
        deployments = [d for d in found.values() if d["kind"] == "Deployment"]
        matching = [
            d["metadata"]["name"]
            for d in deployments
            if re.fullmatch(component, d["spec"]["template"]["metadata"]["labels"][LABEL])
        ]
        assert matching == [deployment], job
        namespaces = jobs[job]["kubernetes_sd_configs"][0]["namespaces"]["names"]
        assert namespaces == [kustomization()["namespace"]], job


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
    # The rules map keeps its name, so an update reaches the running workers' files (and
    # is reloaded live) instead of restarting them under a new name.
    rules = "ConfigMap/listener-rules"
    assert rules in rendered
    assert set(rendered[rules]["data"]) == {p.name for p in (ROOT / "rules").glob("*.yaml")}
    deployment = rendered["Deployment/listener-worker"]
    volumes = deployment["spec"]["template"]["spec"]["volumes"]
    assert {"name": "rules", "configMap": {"name": rules.split("/")[1]}} in volumes
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "listener:0.1.0"
    (files,) = [k for k in rendered if k.startswith("ConfigMap/listener-connectors-")]
    assert set(rendered[files]["data"]) == {p.name for p in CONNECTORS.glob("*.yaml")}
    pod = rendered["Deployment/listener-connectors"]["spec"]["template"]["spec"]
    assert {"name": "connectors", "configMap": {"name": files.split("/")[1]}} in pod["volumes"]
    assert pod["containers"][0]["image"] == "listener:0.1.0"
    namespaced = [d for k, d in rendered.items() if not k.startswith("Namespace/")]
    assert {d["metadata"]["namespace"] for d in namespaced} == {"listener"}


PRODUCTION = ROOT / "deploy" / "overlays" / "production"


def render(directory: Path) -> dict[str, dict[str, Any]]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed (it renders the kustomization)")
    result = subprocess.run(
        ["kubectl", "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(directory)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in yaml.safe_load_all(result.stdout)}


def test_the_production_overlay_reaches_a_secured_cluster_from_every_kafka_client() -> None:
    rendered = render(PRODUCTION)
    (settings,) = [d for k, d in rendered.items() if k.startswith("ConfigMap/listener-settings")]
    data = settings["data"]
    assert data["LISTENER_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert int(data["LISTENER_REPLICATION_FACTOR"]) >= 3
    worker = rendered["Deployment/listener-worker"]
    assert 1 < worker["spec"]["replicas"] <= int(data["LISTENER_PARTITIONS"])
    for key in (
        "Deployment/listener-worker",
        "Deployment/listener-connectors",
        "Job/listener-topics",
    ):
        pod = rendered[key]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["image"].startswith("registry.example.com/listener:"), key
        env = {e["name"]: e for e in container["env"]}
        secret = env["LISTENER_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert secret == {"name": "listener-kafka", "key": "sasl-password"}, key
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        ca = Path(data["LISTENER_KAFKA_SSL_CAFILE"])
        volume = {v["name"]: v for v in pod["volumes"]}[mounts[str(ca.parent)]]
        assert volume["secret"]["items"] == [{"key": "ca.pem", "path": ca.name}], key
    # Every setting the overlay names is one listener knows, and with the password the
    # Secret gives (and a CA file where the pod has one) the settings' own checks pass.
    names = {f"LISTENER_{n.upper()}" for n in Settings.model_fields}
    assert set(data) <= names, set(data) - names
    fields = {name.removeprefix("LISTENER_").lower(): value for name, value in data.items()}
    fields.update(kafka_sasl_password="p" * 20, kafka_ssl_cafile=__file__)
    Settings(**fields)


def test_the_production_overlay_follows_the_kubernetes_schema() -> None:
    validate = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate (the schemas) is not installed"
    )
    for doc in render(PRODUCTION).values():
        validate.validate(doc, KUBERNETES, strict=True)


def test_a_stopping_worker_exits_before_kubernetes_kills_it() -> None:
    # Past LISTENER_SHUTDOWN_SECONDS a worker that cannot stop cleanly exits by itself,
    # saying why, rather than being killed without a word at the end of the grace period.
    pod = objects()["Deployment/listener-worker"]["spec"]["template"]["spec"]
    seconds = float(settings_map().get("LISTENER_SHUTDOWN_SECONDS", Settings().shutdown_seconds))
    assert seconds < pod["terminationGracePeriodSeconds"]
