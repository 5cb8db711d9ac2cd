"""Writes the JSON Schema of each rules file from the models that check it.

    python -m listener.schemas.generate          # rewrite src/listener/schemas/*.schema.json
    python -m listener.schemas.generate --check  # exit 1 if a committed schema is out of date

The entries of each file (a brand, a person, a rule, a risk, the notifiers) are pydantic
models, translated by :mod:`listener.schemas.translate`; the top level of each file (which
keys it has, which are required, what an entry's id looks like) is read by
:mod:`listener.rules.files.loader` itself and is written out here, in the same terms.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaValue

from listener.notifiers.config import NotifiersConfig
from listener.rules.files.config import (
    OWNER_ID,
    RULE_NAME,
    SLUG,
    Brand,
    OwnerGroup,
    Person,
    RuleConfig,
    WindowsConfig,
)
from listener.rules.risks import RiskConfig, RuleOptions
from listener.schemas import KINDS, SCHEMA_DIR, file_name
from listener.schemas.translate import (
    MODEL_CHECKS,
    PATTERN_CHECKS,
    VALUE_CHECKS,
    RulesSchema,
    portable,
)

DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
#: Checks of a value that :class:`RulesSchema` translates in code rather than by table.
_TRANSLATED_IN_CODE: Final = (
    "listener.rules.files.durations.parse_duration",
    "listener.rules.files.config._one_or_many.<locals>.accept",
    "listener.rules.playbooks.playbook_value",
)


@dataclass(frozen=True)
class Key:
    """A top-level key of a rules file: a mapping of entries by id, a list, or one model."""

    model: type[BaseModel]
    shape: str  # "mapping", "list" or "one"
    required: bool = True
    id_pattern: str | None = None  # the ids of a mapping's entries
    id_hint: str = ""
    nullable: bool = True  # the loader reads an empty key as none


@dataclass(frozen=True)
class RulesFile:
    title: str
    keys: Mapping[str, Key] = field(default_factory=dict)


_ID_BRAND: Final = 'expected an id such as "intesa_sanpaolo"'
_ID_OWNER: Final = 'expected an id such as "maria.rossi"'

FILES: Final[Mapping[str, RulesFile]] = {
    "brands": RulesFile(
        "rules/brands.yaml: the brands listener watches",
        {"brands": Key(Brand, "mapping", id_pattern=SLUG.pattern, id_hint=_ID_BRAND)},
    ),
    "owners": RulesFile(
        "rules/owners.yaml: who answers for an alert, and who is told next",
        {
            "people": Key(Person, "mapping", id_pattern=OWNER_ID.pattern, id_hint=_ID_OWNER),
            "groups": Key(OwnerGroup, "mapping", id_pattern=OWNER_ID.pattern, id_hint=_ID_OWNER),
        },
    ),
    "alerts": RulesFile(
        "rules/alerts.yaml: the window sizes and the alert rules",
        {
            "rules": Key(RuleConfig, "list"),
            "windows": Key(WindowsConfig, "one", required=False, nullable=False),
        },
    ),
    "risks": RulesFile(
        "rules/risks.yaml: the risk register, and the risk each alert rule raises",
        {
            "risks": Key(
                RiskConfig,
                "mapping",
                id_pattern=RULE_NAME.pattern,
                id_hint='expected a name such as "data-breach"',
            ),
            "alert_rules": Key(RuleOptions, "mapping", required=False),
        },
    ),
    "notifiers": RulesFile(
        "rules/notifiers.yaml: how listener reaches people (Slack, email, webhooks, "
        "PagerDuty, Teams)",
        {"notifiers": Key(NotifiersConfig, "one", nullable=False)},
    ),
}


def build(kind: str) -> JsonSchemaValue:
    """The JSON Schema of the rules file ``kind`` ("brands", "owners", ...)."""
    schema, _ = _build(kind)
    return schema


def _build(kind: str) -> tuple[JsonSchemaValue, set[str]]:
    spec = FILES[kind]
    generator = RulesSchema()
    refs, defs = generator.generate_definitions(
        [
            (key.model, "validation", key.model.__pydantic_core_schema__)
            for key in spec.keys.values()
        ]
    )
    properties = {
        name: _key_schema(key, refs[(key.model, "validation")]) for name, key in spec.keys.items()
    }
    schema = {
        "$schema": DIALECT,
        "title": spec.title,
        "description": f"Checked by `listener check`, which also checks what a schema cannot "
        f"say (references between files, conditions). Generated from the models that check "
        f"{kind}.yaml: python -m listener.schemas.generate",
        "type": "object",
        "additionalProperties": False,
        "required": [name for name, key in spec.keys.items() if key.required],
        "properties": properties,
        "$defs": dict(sorted(defs.items())),
    }
    return schema, generator.used


def _key_schema(key: Key, ref: JsonSchemaValue) -> JsonSchemaValue:
    if key.shape == "mapping":
        value: JsonSchemaValue = {"type": "object", "additionalProperties": ref}
        if key.id_pattern is not None:
            value["propertyNames"] = {
                "pattern": portable(key.id_pattern),
                "patternErrorMessage": key.id_hint,
            }
    elif key.shape == "list":
        value = {"type": "array", "items": ref}
    else:
        value = dict(ref)
    if key.nullable:
        value = {"anyOf": [value, {"type": "null"}]}
    return value


def unused_translations(used: set[str]) -> list[str]:
    """Translations no model needs any more: a check was removed or renamed."""
    known = {*MODEL_CHECKS, *VALUE_CHECKS, *PATTERN_CHECKS, *_TRANSLATED_IN_CODE}
    return sorted(known - used)


def render(schema: JsonSchemaValue) -> str:
    """The schema as committed: stable key order, two-space indent, one final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def generated() -> dict[str, str]:
    """Every schema file's expected content, by kind; raises NotImplementedError when a
    translation is missing or no longer used."""
    used: set[str] = set()
    texts = {}
    for kind in KINDS:
        schema, seen = _build(kind)
        used |= seen
        texts[kind] = render(schema)
    stale = unused_translations(used)
    if stale:
        raise NotImplementedError(f"translations no model uses: {', '.join(stale)}")
    return texts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m listener.schemas.generate")
    parser.add_argument("--check", action="store_true", help="only say which files are stale")
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR, help="default: %(default)s")
    args = parser.parse_args(argv)
    stale = []
    for kind, text in generated().items():
        path = args.dir / file_name(kind)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(str(path))
        if not args.check:
            path.write_text(text, encoding="utf-8")
    verb = "out of date" if args.check else "written"
    for path in stale:
        print(f"{path}: {verb}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
