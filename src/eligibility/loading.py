"""Safe YAML loading that remembers where every value came from.

PyYAML's ``safe_load`` forgets positions and silently keeps the last of two duplicate
keys. Here the file is composed into nodes and walked once: duplicate keys, non-core
tags, alias bombs, over-deep nesting and oversized files are refused with a location,
and every value's path maps to its line and column for later error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import PolicyIssue

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 40
MAX_NODES = 200_000

Path = tuple[str | int, ...]

_CORE_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq",
}


@dataclass
class Located:
    """Decoded YAML data plus the position of each path in it."""

    data: Any
    file: str
    marks: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path) -> tuple[int | None, int | None]:
        """Line and column (1-based) of ``path``, or of its nearest located ancestor."""
        path = tuple(path)
        while True:
            if path in self.marks:
                return self.marks[path]
            if not path:
                return None, None
            path = path[:-1]

    def issue(self, path: Path, code: str, message: str, hint: str | None = None) -> PolicyIssue:
        line, column = self.where(path)
        return PolicyIssue(code=code, message=message, file=self.file, line=line, column=column, hint=hint)


class _YamlRefusal(Exception):
    def __init__(self, node: yaml.Node | None, code: str, message: str, hint: str | None = None):
        super().__init__(message)
        self.node, self.code, self.message, self.hint = node, code, message, hint


# libyaml's C parser composes the nodes (with the same line/column marks) ten times faster
# than PyYAML's pure-Python one; values are still built by the safe constructor
SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_located(text: str, file: str, *, loader_class: type | None = None,
                 max_bytes: int = MAX_FILE_BYTES) -> tuple[Located | None, list[PolicyIssue]]:
    """Parse ``text``; return the located data, or None and the issues that stopped it.

    ``loader_class`` may be a SafeLoader subclass with fewer implicit types (requests
    keep dates as text); tags, aliases, depth and size are limited the same way.
    """
    if len(text) > max_bytes or len(text.encode("utf-8", errors="replace")) > max_bytes:
        return None, [PolicyIssue("file_too_large", f"file is larger than {max_bytes} bytes",
                                  file, 1, 1, "split the policy or remove what it does not need")]
    loader = None
    try:
        # the reader refuses control characters as soon as it is built, so it is inside the try
        loader = (loader_class or SAFE_LOADER)(text)
        root = loader.get_single_node()
    except RecursionError:
        # PyYAML composes nested collections recursively: a file of ``[[[[...`` nested
        # thousands deep exhausts the stack before the walker below can count levels
        line, column = _line_column(text, _deep_position(text))
        return None, [PolicyIssue("too_deep", f"nesting deeper than {MAX_DEPTH} levels", file, line, column,
                                  "flatten the structure")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if "nesting depth" in str(exc.problem or ""):  # libyaml's own limit (1000 levels)
            return None, [PolicyIssue("too_deep", f"nesting deeper than {MAX_DEPTH} levels", file,
                                      mark.line + 1 if mark else None, mark.column + 1 if mark else None,
                                      "flatten the structure")]
        return None, [PolicyIssue("yaml_syntax", f"{exc.problem or exc.context}", file,
                                  mark.line + 1 if mark else None, mark.column + 1 if mark else None,
                                  "fix the YAML syntax at this position")]
    except yaml.reader.ReaderError as exc:
        line, column = _line_column(text, exc.position)
        return None, [PolicyIssue("bad_character", f"character U+{exc.character:04X} is not allowed in YAML",
                                  file, line, column, "remove control characters; save the file as UTF-8 text")]
    except yaml.YAMLError as exc:
        return None, [PolicyIssue("yaml_syntax", str(exc), file, 1, 1, "fix the YAML syntax")]
    finally:
        if loader is not None:
            loader.dispose()
    if root is None:
        return None, [PolicyIssue("empty_file", "the file is empty", file, 1, 1, "a policy needs `city:` and `versions:`")]
    located = Located(data=None, file=file)
    walker = _Walker(loader, located)
    try:
        located.data = walker.build(root, (), 0)
    except _YamlRefusal as refusal:
        line = refusal.node.start_mark.line + 1 if refusal.node is not None else None
        column = refusal.node.start_mark.column + 1 if refusal.node is not None else None
        return None, [PolicyIssue(refusal.code, refusal.message, file, line, column, refusal.hint)]
    return located, []


def _line_column(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def _deep_position(text: str) -> int:
    """Where flow brackets first open deeper than MAX_DEPTH (0 if they never do)."""
    depth = 0
    for position, char in enumerate(text):
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return position
        elif char in "]}":
            depth -= 1
    return 0


def _shown(value: str, limit: int = 60) -> str:
    """``value`` quoted for a message, cut to ``limit`` characters."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


class _Walker:
    def __init__(self, loader: yaml.SafeLoader, located: Located):
        self.loader, self.located, self.count = loader, located, 0

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _YamlRefusal(node, "too_many_nodes",
                               f"the file expands to more than {MAX_NODES} values (aliases included)",
                               "remove anchors/aliases that multiply content")
        if depth > MAX_DEPTH:
            raise _YamlRefusal(node, "too_deep", f"nesting deeper than {MAX_DEPTH} levels",
                               "flatten the structure")
        if node.tag not in _CORE_TAGS:
            raise _YamlRefusal(node, "unsafe_tag", f"YAML tag {node.tag!r} is not allowed",
                               "use plain values; only the YAML core schema is accepted")
        self.located.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise _YamlRefusal(key_node, "merge_key", "merge keys (<<) are not allowed",
                                       "write the keys out")
                key = self.build(key_node, path + ("<key>",), depth + 1)
                if isinstance(key, bool) and isinstance(key_node, yaml.ScalarNode):
                    key = key_node.value  # YAML 1.1 reads the key `on:` (yes, off...) as a bool: keep the word
                if not isinstance(key, (str, int)):
                    raise _YamlRefusal(key_node, "bad_key", "mapping keys must be plain strings",
                                       "write the key as a word, e.g. `label:`, not a list or mapping")
                if key in result:
                    raise _YamlRefusal(key_node, "duplicate_key", f"duplicate key {key!r}",
                                       "a key may appear once per mapping; merge the two entries")
                # a mapping entry is located at its key, where an author looks for it
                self.located.marks[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                result[key] = self.build(value_node, path + (key,), depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (index,), depth + 1) for index, item in enumerate(node.value)]
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, TypeError, AttributeError, yaml.constructor.ConstructorError) as exc:
            raise _YamlRefusal(node, "bad_scalar", f"{_shown(node.value)} is not a valid value ({exc})",
                               "dates are YYYY-MM-DD; amounts are plain numbers without units") from None
