"""The incident API is published where people can reach it, and nothing else of the
worker's port is: compose binds it to this machine only, Kubernetes routes only the API's
paths through the Ingress, at the host every link names."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from listener.incidents.access.api import ROUTES
from listener.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"


def k8s_objects() -> dict[str, dict[str, Any]]:
    found = {}
    for path in K8S.glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and "kind" in doc and doc.get("apiVersion") != "kustomize.config.k8s.io/v1beta1":
                found[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return found


#: Routes for operators, kept inside the cluster: each answers for the one worker reached.
IN_CLUSTER = {"/rules"}


def api_prefixes() -> set[str]:
    """The fewest path prefixes that cover every route of the incident API for people."""
    paths = {route.path.split("/{")[0] for route in ROUTES}
    prefixes = {p for p in paths if not any(p.startswith(q + "/") for q in paths)}
    return prefixes - IN_CLUSTER


def test_compose_publishes_the_api_on_this_machine_only_and_links_to_it() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    published = compose["services"]["worker-1"]["ports"]
    assert published == [f"127.0.0.1:{Settings().web_port}:{Settings().web_port}"]
    env = compose["services"]["worker-1"]["environment"]
    url = env["LISTENER_PUBLIC_URL"].removeprefix("${LISTENER_PUBLIC_URL:-").removesuffix("}")
    assert urlsplit(url).port == Settings().web_port
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            if str(port).endswith(f":{Settings().web_port}"):
                assert str(port).startswith("127.0.0.1:"), name


def test_the_ingress_routes_exactly_the_api_to_the_workers_at_the_public_host() -> None:
    found = k8s_objects()
    ingress = found["Ingress/listener-incidents"]["spec"]
    service = found["Service/listener-worker"]["spec"]
    public = urlsplit(found["ConfigMap/listener-settings"]["data"]["LISTENER_PUBLIC_URL"])
    assert public.scheme == "https"
    (rule,) = ingress["rules"]
    assert rule["host"] == public.hostname
    assert public.hostname in ingress["tls"][0]["hosts"]
    paths = rule["http"]["paths"]
    routed = {path["path"] for path in paths}
    assert routed == api_prefixes()
    assert "/metrics" not in routed and not any(p.startswith("/health") for p in routed)
    port_names = {port["name"] for port in service["ports"]}
    for path in paths:
        backend = path["backend"]["service"]
        assert backend["name"] == "listener-worker" and backend["port"]["name"] in port_names


def test_the_shipped_settings_load_with_signed_links() -> None:
    data = k8s_objects()["ConfigMap/listener-settings"]["data"]
    settings = Settings(
        web_host=data["LISTENER_WEB_HOST"],
        public_url=data["LISTENER_PUBLIC_URL"],
        ack_secret="s" * 48,  # type: ignore[arg-type]
    )
    assert settings.link_base == data["LISTENER_PUBLIC_URL"]
    assert (K8S / "ingress.yaml").name in yaml.safe_load((K8S / "kustomization.yaml").read_text())[
        "resources"
    ]
