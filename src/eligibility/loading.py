"""Safe YAML loading that remembers where every value came from.

PyYAML's ``safe_load`` forgets positions and silently keeps the last of two duplicate
keys. Here the file is composed into nodes and walked once: duplicate keys, non-core
tags, alias bombs, over-deep nesting and oversized files are refused with a location,
and every value's path maps to its line and column for later error messages.
"""

from __future__ import annotations

import os
import re
import stat
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
    # where a part of the data came from another file (a reform's changes over its base):
    # the path of that part -> its file; every path below it is located in that file
    files: dict[Path, str] = field(default_factory=dict)

    def file_of(self, path: Path) -> str:
        """The file ``path`` was written in (the nearest ancestor named in ``files``, else ``file``)."""
        if self.files:
            path = tuple(path)
            while True:
                if path in self.files:
                    return self.files[path]
                if not path:
                    break
                path = path[:-1]
        return self.file

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
        return PolicyIssue(code=code, message=message, file=self.file_of(path), line=line, column=column, hint=hint)


class FileRefusal(Exception):
    """A file that cannot be read as text: its ``code`` (``not_found``, ``not_a_file``,
    ``file_too_large``, ``bad_encoding``), a message, a hint and, for an encoding, where."""

    def __init__(self, code: str, message: str, hint: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.code, self.message, self.hint, self.line, self.column = code, message, hint, line, column


def read_text_file(path: str | os.PathLike[str], max_bytes: int) -> str:
    """The UTF-8 text of the regular file at ``path`` (symlinks followed), at most ``max_bytes``.

    The size is known before a byte is read: a device (``/dev/zero``), a pipe or a
    directory is refused, not read into memory. A UTF-8 byte-order mark is dropped; any
    other encoding is refused naming the one it looks like.
    """
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise FileRefusal("not_a_file", "a directory, not a file", "give the path of a file")
        if not stat.S_ISREG(info.st_mode):
            raise FileRefusal("not_a_file", "not a regular file (a device, pipe or socket)",
                              "give the path of a file saved on disk")
        if info.st_size > max_bytes:
            raise FileRefusal("file_too_large", f"file is larger than {max_bytes} bytes",
                              "split it or remove what it does not need; it is refused before it is read")
        # O_NONBLOCK: a file swapped for a pipe after the check must not block the open
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise FileRefusal("not_a_file", "not a regular file (a device, pipe or socket)",
                                  "give the path of a file saved on disk")
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise FileRefusal("not_found", "no such file", "check the path") from None
    except PermissionError:
        raise FileRefusal("not_found", "the file cannot be read (permission denied)",
                          "check the file's permissions") from None
    except OSError as exc:
        raise FileRefusal("not_found", f"the file cannot be read ({exc.strerror or exc})", "check the path") from None
    if len(raw) > max_bytes:
        raise FileRefusal("file_too_large", f"file is larger than {max_bytes} bytes",
                          "split it or remove what it does not need")
    return decode_text(raw)


_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"),
         (b"\xfe\xff", "UTF-16"))


def decode_text(raw: bytes) -> str:
    """``raw`` as UTF-8 text (a byte-order mark dropped), or FileRefusal ``bad_encoding``
    naming the encoding it looks like (UTF-16/32 by their marks or NUL bytes, GBK/GB18030)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for mark, name in _BOMS:
        if raw.startswith(mark):
            raise _encoding_refusal(name, "byte-order mark", 1, 1)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[:exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", errors="replace")) + 1
        raise _encoding_refusal(_guess_encoding(raw), f"{exc.reason} at byte {exc.start}", line, column) from None


def _guess_encoding(raw: bytes) -> str:
    sample = raw[:4096]
    if sample.count(0) * 4 > len(sample):  # ASCII text in UTF-16 is every other byte NUL
        return "UTF-16 (no byte-order mark)"
    try:
        sample.decode("gb18030")
    except UnicodeDecodeError:
        return "an unknown encoding"
    return "GBK/GB18030"


def _encoding_refusal(encoding: str, detail: str, line: int, column: int) -> FileRefusal:
    return FileRefusal("bad_encoding", f"not UTF-8 text: looks like {encoding} ({detail})",
                       "save the file as UTF-8 (in most editors: Save As, encoding UTF-8)", line, column)


def read_located_file(path: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES, *,
                      name: str | None = None) -> tuple[str | None, list[PolicyIssue]]:
    """The text of a policy-like file, or None and the located issue that stops it."""
    try:
        return read_text_file(path, max_bytes), []
    except FileRefusal as refusal:
        return None, [PolicyIssue(refusal.code, refusal.message, name or str(path), refusal.line, refusal.column,
                                  refusal.hint)]


class _YamlRefusal(Exception):
    def __init__(self, node: yaml.Node | None, code: str, message: str, hint: str | None = None):
        super().__init__(message)
        self.node, self.code, self.message, self.hint = node, code, message, hint


# libyaml's C parser composes the nodes (with the same line/column marks) ten times faster
# than PyYAML's pure-Python one; values are still built by the safe constructor
SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_located(text: str, file: str, *, loader_class: type | None = None,
                 max_bytes: int = MAX_FILE_BYTES, yaml11_as_text: bool = False
                 ) -> tuple[Located | None, list[PolicyIssue]]:
    """Parse ``text``; return the located data, or None and the issues that stopped it.

    ``loader_class`` may be a SafeLoader subclass with fewer implicit types (requests
    keep dates as text); tags, aliases, depth and size are limited the same way. A YAML 1.1
    surprise (`yes`, `0240`) is refused where it stands, or, with ``yaml11_as_text``, kept as
    the text it is, so that a model validating the data reports it by its field's path.
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
        message = f"{exc.problem or exc.context}"
        if exc.context and exc.problem and exc.context_mark is not None:
            # "found duplicate anchor 'a'; first occurrence" + "second occurrence": say both
            named = _anchor_named(text, exc.problem_mark) if "anchor" in exc.context else ""
            message = (f"{exc.context.replace('anchor', 'anchor' + named, 1)} (line {exc.context_mark.line + 1}, "
                       f"column {exc.context_mark.column + 1}); {exc.problem}")
        return None, [PolicyIssue("yaml_syntax", message, file,
                                  mark.line + 1 if mark else None, mark.column + 1 if mark else None,
                                  "fix the YAML syntax at this position")]
    except UnicodeEncodeError as exc:
        # a lone surrogate ("\ud800") in text a caller built: libyaml encodes the text to UTF-8 first
        line, column = _line_column(text, exc.start)
        return None, [PolicyIssue("bad_character", f"character U+{ord(text[exc.start]):04X} is not allowed in YAML",
                                  file, line, column, "remove it; save the file as UTF-8 text")]
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
    walker = _Walker(loader, located, yaml11_as_text)
    try:
        located.data = walker.build(root, (), 0)
    except _YamlRefusal as refusal:
        line = refusal.node.start_mark.line + 1 if refusal.node is not None else None
        column = refusal.node.start_mark.column + 1 if refusal.node is not None else None
        return None, [PolicyIssue(refusal.code, refusal.message, file, line, column, refusal.hint)]
    return located, []


def _anchor_named(text: str, mark: Any) -> str:
    """`` '&name'`` of the anchor written at ``mark`` (libyaml's message leaves the name out)."""
    if mark is None:
        return ""
    found = re.match(r"&([^\s,\[\]{}]+)", text[mark.index:mark.index + 200])
    return f" {found.group(1)!r}" if found else ""


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


# YAML 1.1 (what PyYAML implements) reads `0240` as octal 160, `4:40` as 280 (base 60),
# `0x1F`, `1_000` as numbers and `yes`/`no`/`on`/`off` as booleans; YAML 1.2 and most readers
# of a policy do not. Only plain decimal numbers and true/false are taken as such.
_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_DECIMAL_FLOAT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_YAML11_CHECKS = {"tag:yaml.org,2002:int": _DECIMAL_INT, "tag:yaml.org,2002:float": _DECIMAL_FLOAT,
                  "tag:yaml.org,2002:bool": re.compile(r"true|false|True|False|TRUE|FALSE")}


def _refuse_yaml11(node: yaml.ScalarNode, *, key: bool) -> None:
    value = node.value
    if _YAML11_CHECKS[node.tag].fullmatch(value):
        return
    if node.tag == "tag:yaml.org,2002:bool":
        if key:
            return  # the walker keeps a key such as `on:` as the word
        raise _YamlRefusal(node, "yaml11_boolean", f"{_shown(value)} is a YAML 1.1 boolean word",
                           f"write true or false (or quote it, \"{value}\", if you mean the text)")
    raise _YamlRefusal(node, "yaml11_number",
                       f"{_shown(value)} would be read as a YAML 1.1 number (octal, base 60, hex or with _)",
                       f"write the plain decimal number, quoted for an amount: \"{value.replace('_', '')}\"")


class _Walker:
    def __init__(self, loader: yaml.SafeLoader, located: Located, yaml11_as_text: bool = False):
        self.loader, self.located, self.count = loader, located, 0
        self.yaml11_as_text = yaml11_as_text

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
        if not node.style and node.tag in _YAML11_CHECKS:  # a plain (unquoted) scalar (libyaml: "")
            is_key = bool(path) and path[-1] == "<key>"
            if (self.yaml11_as_text and not is_key and not _YAML11_CHECKS[node.tag].fullmatch(node.value)
                    and self.loader.resolve(yaml.ScalarNode, node.value, (True, False)) == node.tag):
                return node.value  # implicitly typed by YAML 1.1 (an explicit !!int tag is still checked)
            _refuse_yaml11(node, key=is_key)
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, TypeError, AttributeError, yaml.constructor.ConstructorError) as exc:
            raise _YamlRefusal(node, "bad_scalar", f"{_shown(node.value)} is not a valid value ({exc})",
                               "dates are YYYY-MM-DD; amounts are plain numbers without units") from None
