"""Reading one rules file: YAML syntax errors with their line, and duplicate keys refused.

Plain PyYAML keeps the last of two equal keys without a word, so a brand or person pasted
twice would silently replace the first; here both lines are reported instead. PyYAML also
builds nested collections recursively, so nesting is bounded (:data:`MAX_YAML_NESTING`)
and a pathological file is refused with its line instead of exhausting the stack.

A file of plain data (no anchor, alias, merge key or custom tag: every rules file we
ship, and every ``brands.yaml`` however many brands it holds) is built straight from
libyaml's events, in a third of the time PyYAML's node graph takes (0.67 s of CPU for the
1.8 MB ``brands.yaml`` of 10,000 brands, which a worker reads before it starts, against
0.22 s: benchmarks/rules_load.py). Anything else, and every file with an error, is read by
the full loader, which reports what is wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
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

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, KeyError, AttributeError, TypeError) as exc:
            # A value its explicit tag's constructor refuses (``!!int twelve``): PyYAML
            # lets the constructor's own exception out, without a line.
            what = repr(node.value) if isinstance(node, ScalarNode) else "the value"
            suffix = node.tag.rsplit(":", 1)[-1]
            raise ConstructorError(
                None, None, f"{what} cannot be read as !!{suffix}", node.start_mark
            ) from exc

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
    plain = _plain_data(text)
    if plain is not _NOT_PLAIN:
        return plain
    try:
        # The reader checks every character as it is built, before any parsing.
        loader = _StrictLoader(text)
    except ReaderError as exc:
        issues.append(ConfigIssue(label, "", _character_message(exc, text)))
        return UNREADABLE
    try:
        data = loader.get_single_data()
    except ReaderError as exc:  # libyaml's reader meets the character while parsing
        issues.append(ConfigIssue(label, "", _character_message(exc, text)))
        return UNREADABLE
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


#: What :func:`_plain_data` returns for a file it leaves to the full loader.
_NOT_PLAIN: Final = object()
_STR: Final = "tag:yaml.org,2002:str"
_DEFAULT_TAGS: Final = {
    MappingStartEvent: Resolver.DEFAULT_MAPPING_TAG,
    SequenceStartEvent: Resolver.DEFAULT_SEQUENCE_TAG,
}
#: Resolved tags that only the full loader handles: merge keys (``<<``) and ``=``.
_FULL_LOADER_TAGS: Final = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


class _Open:
    """A mapping or list being built, and for a mapping its key awaiting a value."""

    __slots__ = ("key", "keyed", "keys", "value")

    def __init__(self, value: dict[Any, Any] | list[Any]) -> None:
        self.value = value
        self.key: Any = None
        self.keyed = False
        #: The keys' text as written: two equal ones are a duplicate.
        self.keys: set[str] = set()


def _plain_data(text: str) -> object:
    """What :class:`_StrictLoader` would build from ``text``, when ``text`` is one document
    of plain data without a duplicate key; otherwise :data:`_NOT_PLAIN`, and the full
    loader reads it. Scalars are resolved and built by PyYAML's own resolver and
    constructors, so they are the same values; collections are built without nodes."""
    if not yaml.__with_libyaml__:  # pragma: no cover - PyYAML built without libyaml
        return _NOT_PLAIN
    try:
        parser = CParser(text)
    except yaml.YAMLError:
        return _NOT_PLAIN
    try:
        return _build(parser)
    except Exception:  # an error, reported by the full loader as it reports it
        return _NOT_PLAIN
    finally:
        parser.dispose()


def _build(parser: Any) -> object:
    """The data of ``parser``'s events; :data:`_NOT_PLAIN` at the first event only the
    full loader handles."""
    resolvers = Resolver.yaml_implicit_resolvers
    resolver: Any = Resolver()  # PyYAML is untyped
    constructor = SafeConstructor()
    constructors = SafeConstructor.yaml_constructors
    stack: list[_Open] = []
    root: object = None
    documents = 0
    while True:
        event = parser.get_event()
        kind = type(event)
        value: object
        if kind is ScalarEvent:
            if event.anchor is not None:
                return _NOT_PLAIN
            text, tag = event.value, event.tag
            if tag is None or tag == "!":
                # What PyYAML resolves: a plain scalar whose first character starts a
                # number, a boolean, a null or a timestamp; anything else is a string.
                if event.implicit[0] and (not text or text[0] in resolvers or None in resolvers):
                    tag = resolver.resolve(ScalarNode, text, event.implicit)
                else:
                    tag = _STR
            if tag == _STR:
                value = text
            elif tag in _FULL_LOADER_TAGS or tag not in constructors:
                return _NOT_PLAIN
            else:
                node = ScalarNode(tag, text, event.start_mark, event.end_mark, event.style)
                value = constructors[tag](constructor, node)
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            tag = event.tag
            if event.anchor is not None or tag not in (None, "!", _DEFAULT_TAGS[kind]):
                return _NOT_PLAIN
            if len(stack) >= MAX_YAML_NESTING - 1:
                return _NOT_PLAIN  # the full loader names the line
            stack.append(_Open({} if kind is MappingStartEvent else []))
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            value = stack.pop().value
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                return _NOT_PLAIN
            continue
        elif kind is StreamEndEvent:
            return root
        elif kind is AliasEvent:
            return _NOT_PLAIN
        else:
            continue  # the stream's start, a document's end
        if not stack:
            root = value
            continue
        top = stack[-1]
        container = top.value
        if isinstance(container, list):
            container.append(value)
        elif top.keyed:
            container[top.key] = value
            top.keyed = False
        else:
            if kind is not ScalarEvent or event.value in top.keys:
                return _NOT_PLAIN  # a complex key, or a duplicate: reported in full
            top.keys.add(event.value)
            top.key, top.keyed = value, True


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
