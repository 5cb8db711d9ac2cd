"""Reading one rules file: YAML syntax errors with their line, and duplicate keys refused.

Plain PyYAML keeps the last of two equal keys without a word, so a brand or person pasted
twice would silently replace the first; here both lines are reported instead. PyYAML also
builds nested collections recursively, so nesting is bounded (:data:`MAX_YAML_NESTING`)
and a pathological file is refused with its line instead of exhausting the stack.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.reader import ReaderError
from yaml.resolver import Resolver

from listener.errors import ConfigIssue

#: Deepest nesting of mappings and lists accepted in a rules file (the shipped ones use 6).
MAX_YAML_NESTING: Final = 50


if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    # libyaml scans and parses (nine tenths of the time: a rules file of 10,000 brands is
    # read in well under a second instead of several); composing the nodes stays in
    # Python, where nesting is bounded and duplicate keys are seen.
    class _Base(Composer, CParser, SafeConstructor, Resolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml

    class _Base(yaml.SafeLoader):  # type: ignore[no-redef]
        pass


class _StrictLoader(_Base):
    """A safe loader that records duplicate keys instead of keeping the last one."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[str] = []
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_NESTING:
                event = self.peek_event()
                mark: Any = event.start_mark if event is not None else None
                raise ComposerError(
                    None, None, f"nested more than {MAX_YAML_NESTING} levels deep", mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_line: dict[str, int] = {}
        for key_node, _ in node.value:
            # Merge keys ("<<") legitimately repeat what they merge; only literal keys count.
            if not isinstance(key_node, ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            line = key_node.start_mark.line + 1
            if key_node.value in first_line:
                self.duplicates.append(
                    f'line {line}: duplicate key "{key_node.value}" '
                    f"(first on line {first_line[key_node.value]})"
                )
            else:
                first_line[key_node.value] = line
        return super().construct_mapping(node, deep)


class Unreadable:
    """What :func:`read_yaml` returns for a file it could not parse (None is valid YAML)."""


UNREADABLE: Final = Unreadable()


def read_yaml(path: Path, label: str, issues: list[ConfigIssue]) -> object:
    """The parsed content of ``path``, or :data:`UNREADABLE` after adding why it could not
    be read. Duplicate keys are reported, but the content is still returned so the rest of
    the file is checked in the same run."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        issues.append(ConfigIssue(label, "", f"cannot be read: {exc}"))
        return UNREADABLE
    try:
        # The reader checks every character as it is built, before any parsing.
        loader = _StrictLoader(text)
    except ReaderError as exc:
        issues.append(ConfigIssue(label, "", _character_message(exc, text)))
        return UNREADABLE
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        issues.append(ConfigIssue(label, "", _syntax_message(exc)))
        return UNREADABLE
    except yaml.YAMLError as exc:
        issues.append(ConfigIssue(label, "", f"YAML syntax error: {exc}"))
        return UNREADABLE
    finally:
        loader.dispose()
    issues.extend(ConfigIssue(label, "", message) for message in loader.duplicates)
    return data


def _character_message(exc: ReaderError, text: str) -> str:
    line = text.count("\n", 0, exc.position) + 1
    column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
    return (
        f"YAML syntax error at line {line}, column {column}: character "
        f"U+{exc.character:04X} is not allowed in YAML (a control character?)"
    )


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = ": ".join(part for part in (exc.context, exc.problem) if part)
    return f"YAML syntax error{where}: {problem or 'not valid YAML'}"
