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

from ._errors import PolicyIssue

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


def load_located(text: str, file: str) -> tuple[Located | None, list[PolicyIssue]]:
    """Parse ``text``; return the located data, or None and the issues that stopped it."""
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        return None, [PolicyIssue("file_too_large", f"file is larger than {MAX_FILE_BYTES} bytes",
                                  file, 1, 1, "split the policy or remove what it does not need")]
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return None, [PolicyIssue("yaml_syntax", f"{exc.problem or exc.context}", file,
                                  mark.line + 1 if mark else None, mark.column + 1 if mark else None,
                                  "fix the YAML syntax at this position")]
    except yaml.YAMLError as exc:
        return None, [PolicyIssue("yaml_syntax", str(exc), file, None, None, "fix the YAML syntax")]
    finally:
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
                if not isinstance(key, (str, int)):
                    raise _YamlRefusal(key_node, "bad_key", "mapping keys must be plain strings")
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
        except (ValueError, yaml.constructor.ConstructorError) as exc:
            raise _YamlRefusal(node, "bad_scalar", f"{node.value!r} is not a valid value ({exc})",
                               "dates are YYYY-MM-DD; amounts are plain numbers without units") from None
