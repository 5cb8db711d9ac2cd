"""Loading connectors/: one YAML file per source instance, named after the instance.

Every file is read and checked before anything is refused, so one run lists every
problem with its file and key, as the rules loader does. Secrets are read from the
environment variables the files name, at this moment, so a missing one stops the start.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from listener.connectors.config import SECRETS_OPTIONAL, ConnectorConfig, EndpointConfig
from listener.connectors.registry import KINDS
from listener.errors import ConfigError, ConfigIssue
from listener.rules.files.issues import did_you_mean, validate
from listener.rules.files.yamlfile import UNREADABLE, read_yaml

#: An instance name: the file's name without ``.yaml``. It keys checkpoints and raw messages
#: and labels metrics, so renaming a file starts its source afresh.
INSTANCE_NAME: Final = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_BAD_NAME: Final = (
    'the file name is the instance name: lower case letters, digits, "-" and "_", '
    'such as "reddit-italy.yaml"'
)


@dataclass(frozen=True)
class Instance:
    """One configured source instance."""

    name: str
    file: str
    config: ConnectorConfig


def load_connectors(directory: Path) -> tuple[Instance, ...]:
    """Every instance in ``directory``; raises :class:`ConfigError` with every problem."""
    issues: list[ConfigIssue] = []
    if not directory.is_dir():
        raise ConfigError(
            [ConfigIssue(str(directory), "", "is not a directory of connector files")]
        )
    instances: list[Instance] = []
    files: dict[str, str] = {}
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or path.suffix not in (".yaml", ".yml"):
            continue  # editor backups and READMEs are not configuration
        label = str(path)
        name = path.stem
        if not INSTANCE_NAME.match(name):
            issues.append(ConfigIssue(label, "", _BAD_NAME))
        elif name in files:
            issues.append(ConfigIssue(label, "", f"instance {name!r} is also {files[name]}"))
        files.setdefault(name, label)
        data = read_yaml(path, label, issues)
        config = None if data is UNREADABLE else _config(data, label, issues)
        if config is not None:
            instances.append(Instance(name, label, config))
    if not files:
        issues.append(ConfigIssue(str(directory), "", "holds no connector files (*.yaml)"))
    _check_addresses(instances, issues)
    if issues:
        raise ConfigError(issues)
    return tuple(instances)


def _config(data: object, label: str, issues: list[ConfigIssue]) -> ConnectorConfig | None:
    kinds = ", ".join(KINDS)
    if not isinstance(data, Mapping):
        issues.append(ConfigIssue(label, "", f"must be a mapping with a kind ({kinds})"))
        return None
    kind = data.get("kind")
    if kind is None:
        issues.append(ConfigIssue(label, "", f'missing required key "kind" ({kinds})'))
        return None
    if kind not in KINDS:
        hint = did_you_mean(kind, KINDS)
        issues.append(ConfigIssue(label, "kind", f'unknown kind "{kind}"{hint}: expected {kinds}'))
        return None
    switched_off = SECRETS_OPTIONAL.set(data.get("enabled") is False)
    try:
        config: ConnectorConfig | None = validate(KINDS[kind].model, data, label, "", issues)
    finally:
        SECRETS_OPTIONAL.reset(switched_off)
    return config


def _check_addresses(instances: list[Instance], issues: list[ConfigIssue]) -> None:
    """Two endpoints cannot listen on the same port."""
    taken: dict[int, str] = {}
    for instance in instances:
        config = instance.config
        if not isinstance(config, EndpointConfig) or not config.enabled:
            continue
        if config.port in taken:
            problem = f"port {config.port} is also used by {taken[config.port]}"
            issues.append(ConfigIssue(instance.file, "port", problem))
        taken.setdefault(config.port, instance.file)
