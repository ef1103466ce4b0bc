"""Reading a request from text or a file: JSON (strict for a ``.json`` file) or YAML, with
the policy loader's limits, duplicate keys refused in both."""

from __future__ import annotations

import json
import os
from typing import Any

import yaml

from ..errors import FieldIssue, RequestError
from ..loading import SAFE_LOADER, FileRefusal, load_located, read_text_file
from ._fields import MAX_REQUEST_BYTES
from ._identity import scrub
from ._request import _PLAIN, Request, parse_request


class _RequestYamlLoader(SAFE_LOADER):  # type: ignore[misc,valid-type]
    """Safe YAML that leaves dates as text, so pydantic reports a bad date by its field path."""


_RequestYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys silently; YAML requests refuse them, so JSON does too
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _json(text: str, source: str, *, strict: bool) -> Any:
    """The decoded JSON, or None when the text is not JSON (and YAML may be tried)."""
    # the RequestError is raised after the except blocks: a JSONDecodeError holds the whole
    # text (the ID and name with it) and must not ride along as the error's __context__
    problem = None
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicates)
    except RecursionError:
        problem = FieldIssue("", "too_deep", f"{source} nests deeper than a request can")
    except _DuplicateKey as exc:
        key = repr(exc.key) if _PLAIN.fullmatch(exc.key) else "<a key that is not plain ASCII>"
        problem = FieldIssue("", "duplicate_key", scrub(
            f"{source}: duplicate key {key} (JSON would keep the last one silently)"))
    except json.JSONDecodeError as exc:
        if strict:
            problem = FieldIssue("", "syntax", f"{source} is not valid JSON at line {exc.lineno}, "
                                               f"column {exc.colno}: {exc.msg}")
    if problem is not None:
        raise RequestError([problem])
    return None


def load_request_text(text: str, *, source: str = "<request>", strict_json: bool | None = None) -> Request:
    """Parse a request given as JSON or YAML text (at most MAX_REQUEST_BYTES).

    JSON is tried first; with ``strict_json`` (the default for a ``source`` ending in
    ``.json``) text that is not valid JSON is an error, not YAML. YAML is read with the
    policy loader's limits: core tags only, no alias bombs, no deep nesting. A key given
    twice is refused in either.
    """
    if len(text) > MAX_REQUEST_BYTES or len(text.encode("utf-8", errors="replace")) > MAX_REQUEST_BYTES:
        raise RequestError([FieldIssue("", "request_too_large",
                                       f"{source} is larger than {MAX_REQUEST_BYTES} bytes; one request is one person")])
    strict = source.lower().endswith(".json") if strict_json is None else strict_json
    data = _json(text, source, strict=strict)
    if data is None:
        located, problems = load_located(text, source, loader_class=_RequestYamlLoader, max_bytes=MAX_REQUEST_BYTES,
                                         yaml11_as_text=True)
        if located is None:
            problem = problems[0]
            where = f" at line {problem.line}, column {problem.column}" if problem.line else ""
            code = "syntax" if problem.code == "yaml_syntax" else problem.code
            # the walker's other messages quote values and keys, which may be a name
            detail = (f": {scrub(problem.message)}" if problem.code in ("yaml_syntax", "bad_character", "too_deep")
                      else f" ({problem.code})")
            raise RequestError([FieldIssue("", code, f"{source} is neither JSON nor valid YAML{where}{detail}")]) \
                from None
        data = located.data
    return parse_request(data)


def load_request_file(path: str | os.PathLike[str]) -> Request:
    """Read and parse the request file at ``path`` (see :func:`load_request_text`). A path
    that is not a regular file, is over MAX_REQUEST_BYTES or is not UTF-8 is refused before
    or while it is read: ``not_a_file``, ``request_too_large``, ``bad_encoding``, ``not_found``."""
    source = os.fspath(path)
    try:
        text = read_text_file(path, MAX_REQUEST_BYTES)
    except FileRefusal as refusal:
        code = "request_too_large" if refusal.code == "file_too_large" else refusal.code
        where = f" (line {refusal.line}, column {refusal.column})" if refusal.line else ""
        problem = FieldIssue("", code, scrub(f"{source}: {refusal.message}{where}; {refusal.hint}"))
    else:
        return load_request_text(text, source=source)
    raise RequestError([problem])
