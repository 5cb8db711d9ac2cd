"""Kafka security settings: validated at load naming the variable, and turned into the
same arguments for every client (aiokafka producers, consumers, admin; Faust's
credentials); topic configs by topic kind. The embedded broker speaks neither TLS nor
SASL, so the handshake itself is not exercised here: what each client is handed is."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import certifi
import pytest
from faust.auth import SASLCredentials, SSLCredentials
from pydantic import ValidationError

from listener.broker import kafka_client
from listener.broker.kafka_client import client_kwargs, faust_credentials, topic_configs
from listener.broker.topics import TopicNames
from listener.settings import Settings

CLUSTER = "kafka-1.example.com:9093,kafka-2.example.com:9093"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _forget() -> Iterator[None]:
    yield
    kafka_client.use(Settings())


def sasl(**extra: object) -> Settings:
    fields: dict[str, object] = {
        "kafka_bootstrap": CLUSTER,
        "kafka_security_protocol": "SASL_SSL",
        "kafka_sasl_mechanism": "SCRAM-SHA-512",
        "kafka_sasl_username": "listener",
        "kafka_sasl_password": PASSWORD,
    }
    return Settings(**{**fields, **extra})


def test_plaintext_is_the_default_and_adds_nothing_but_the_protocol() -> None:
    kafka_client.use(Settings(kafka_bootstrap=CLUSTER))
    assert client_kwargs(CLUSTER) == {
        "bootstrap_servers": CLUSTER,
        "security_protocol": "PLAINTEXT",
    }
    assert faust_credentials(CLUSTER) is None


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_sasl_ssl_gives_every_client_the_mechanism_user_password_and_a_verifying_context(
    mechanism: str,
) -> None:
    kafka_client.use(sasl(kafka_sasl_mechanism=mechanism, kafka_ssl_cafile=certifi.where()))
    kwargs = client_kwargs(CLUSTER)
    assert kwargs["security_protocol"] == "SASL_SSL"
    assert kwargs["sasl_mechanism"] == mechanism
    assert kwargs["sasl_plain_username"] == "listener"
    assert kwargs["sasl_plain_password"] == PASSWORD
    context = kwargs["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    credentials = faust_credentials(CLUSTER)
    assert isinstance(credentials, SASLCredentials)
    assert credentials.protocol.value == "SASL_SSL" and credentials.mechanism.value == mechanism
    assert credentials.username == "listener" and credentials.password == PASSWORD


def test_sasl_plaintext_has_no_tls_context() -> None:
    kafka_client.use(sasl(kafka_security_protocol="SASL_PLAINTEXT"))
    kwargs = client_kwargs(CLUSTER)
    assert kwargs["security_protocol"] == "SASL_PLAINTEXT" and "ssl_context" not in kwargs
    credentials = faust_credentials(CLUSTER)
    assert isinstance(credentials, SASLCredentials)
    assert credentials.protocol.value == "SASL_PLAINTEXT"


@pytest.fixture(scope="module")
def client_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no client certificate to make")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "client.pem", folder / "client.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=listener", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def test_ssl_with_a_client_certificate_loads_it_into_the_context(
    client_pair: tuple[Path, Path],
) -> None:
    cert, key = client_pair
    settings = Settings(
        kafka_bootstrap=CLUSTER,
        kafka_security_protocol="SSL",
        kafka_ssl_cafile=cert,
        kafka_ssl_certfile=cert,
        kafka_ssl_keyfile=key,
    )
    kafka_client.use(settings)
    kwargs = client_kwargs(CLUSTER)
    assert kwargs["security_protocol"] == "SSL" and "sasl_mechanism" not in kwargs
    # The certificate given as CA is the one the context now trusts.
    assert kwargs["ssl_context"].get_ca_certs()[0]["subject"] == ((("commonName", "listener"),),)
    assert isinstance(faust_credentials(CLUSTER), SSLCredentials)


def test_another_address_such_as_an_embedded_broker_is_reached_in_plain_text() -> None:
    kafka_client.use(sasl())
    local = "127.0.0.1:41234"
    assert client_kwargs(local) == {"bootstrap_servers": local, "security_protocol": "PLAINTEXT"}
    assert faust_credentials(local) is None


def test_the_password_is_never_in_the_repr() -> None:
    security = kafka_client.KafkaSecurity.from_settings(sasl())
    assert PASSWORD not in repr(security)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"LISTENER_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "LISTENER_KAFKA_SASL_PASSWORD"),
        (
            {"LISTENER_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "LISTENER_KAFKA_SASL_USERNAME": "u",
             "LISTENER_KAFKA_SASL_PASSWORD": PASSWORD},
            "LISTENER_KAFKA_SASL_MECHANISM",
        ),
        ({"LISTENER_KAFKA_SASL_USERNAME": "u"}, "LISTENER_KAFKA_SECURITY_PROTOCOL=PLAINTEXT"),
        (
            {"LISTENER_KAFKA_SECURITY_PROTOCOL": "SSL",
             "LISTENER_KAFKA_SSL_CAFILE": "/nonexistent/ca.pem"},
            "LISTENER_KAFKA_SSL_CAFILE: no such file",
        ),
        ({"LISTENER_KAFKA_SSL_CAFILE": certifi.where()}, "does not use TLS"),
        (
            {"LISTENER_KAFKA_SECURITY_PROTOCOL": "SSL",
             "LISTENER_KAFKA_SSL_CERTFILE": certifi.where()},
            "LISTENER_KAFKA_SSL_KEYFILE go together",
        ),
        ({"LISTENER_MIN_INSYNC_REPLICAS": "2"}, "exceeds LISTENER_REPLICATION_FACTOR=1"),
    ],
)  # fmt: skip
def test_inconsistent_security_settings_are_refused_at_load_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert named in str(refused.value)
    assert PASSWORD not in str(refused.value)


def test_snapshot_topics_are_compacted_and_streams_keep_the_retention() -> None:
    settings = Settings(replication_factor=3, topic_retention_hours=48)
    names = TopicNames.for_settings(settings)
    configs = topic_configs(settings, names)
    assert set(configs) == set(names.all())
    for name in (names.snapshots, names.incident_snapshots, names.delivery_snapshots):
        assert configs[name] == {"cleanup.policy": "compact", "min.insync.replicas": "2"}
    assert configs[names.raw] == {
        "cleanup.policy": "delete",
        "retention.ms": str(48 * 3600 * 1000),
        "min.insync.replicas": "2",
    }


def test_min_insync_replicas_is_left_to_the_cluster_below_three_replicas() -> None:
    settings = Settings(replication_factor=2)
    configs = topic_configs(settings, TopicNames.for_settings(settings))
    assert all("min.insync.replicas" not in config for config in configs.values())
    settings = Settings(replication_factor=2, min_insync_replicas=2)
    configs = topic_configs(settings, TopicNames.for_settings(settings))
    assert all(config["min.insync.replicas"] == "2" for config in configs.values())


def test_a_worker_started_on_a_local_broker_drops_the_production_security_settings() -> None:
    kafka_client.use(sasl())
    environ = {
        "LISTENER_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "LISTENER_KAFKA_SASL_PASSWORD": PASSWORD,
        "LISTENER_KAFKA_SSL_CAFILE": "/etc/ca.pem",
        "LISTENER_PARTITIONS": "4",
        "PATH": "/usr/bin",
    }
    local = kafka_client.child_environment("127.0.0.1:41234", environ)
    assert local == {"LISTENER_PARTITIONS": "4", "PATH": "/usr/bin"}
    assert kafka_client.child_environment(CLUSTER, environ) == environ
