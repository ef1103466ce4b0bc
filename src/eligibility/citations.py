"""Checking clause citations against the official texts they cite.

A citation (``二(一)2``, ``附件3·二``, grammar in docs/authoring.md) is a path of markers;
each must occur in the cited seed text, in order, inside the part the previous one opened:
section ``二、``, item ``（一）``, point ``2.``/``2、``, sub-point ``(3)``, attachment
``附件3``, then quoted words. The texts are extractions, so full-width and half-width
forms, stray spaces and ``[bookmark: …]`` debris are ignored; a marker that is not there
is not. Structural markers count only where a heading starts: at the start of a line or
after ``。；：`` or an HTML tag (table cells).

The seeds are not shipped with the library; ``eligibility check --sources DIR`` runs this.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .errors import PolicyIssue
from .loading import Located, load_located, read_located_file

_NUMERALS = "一二三四五六七八九十"
_STRUCTURE = re.compile(
    rf"^(?P<section>[{_NUMERALS}]+)?(?:\((?P<item>[{_NUMERALS}]+)\))?(?P<point>[0-9]+)?(?:\((?P<sub>[0-9]+)\))?$")
_ATTACHMENT = re.compile(r"^附件([0-9]+)$")
# where a heading may start: line start, after sentence punctuation, after a tag
_START = r"(?:^|(?<=[\n。；;:：>]))"
_ANY_SECTION = re.compile(_START + rf"[{_NUMERALS}]+、", re.M)
_ANY_ITEM = re.compile(_START + rf"\([{_NUMERALS}]+\)", re.M)
_ANY_POINT = re.compile(_START + r"[0-9]+[.、]", re.M)
_ANY_SUB = re.compile(_START + r"\([0-9]+\)", re.M)
_DOCUMENT_NUMBER = re.compile(r"[\u4e00-\u9fff]+〔[0-9]{4}〕[0-9]+号")
_ANY_ATTACHMENT_HEADING = re.compile(r"^附件[0-9]+(?::|$)", re.M)


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), no spaces or tabs, no bookmark debris or bullets."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\[bookmark:[^\]]*\]", "", text)
    text = re.sub(r"[ \t\u3000\u00a0]+", "", text)
    text = re.sub(r"^(?:[-*#>|]|\*\*)+", "", text, flags=re.M)
    return text.replace("．", ".").replace("**", "")


@dataclass(frozen=True)
class Segment:
    kind: str      # attachment | section | item | point | sub | words
    value: str


def parse_citation(citation: str) -> list[Segment] | None:
    """The markers of ``citation``, outermost first; None when it is not a citation."""
    segments: list[Segment] = []
    parts = normalize(citation).split("·")
    for index, part in enumerate(parts):
        if not part:
            return None
        attachment = _ATTACHMENT.match(part)
        structure = _STRUCTURE.match(part)
        if attachment and index == 0:
            segments.append(Segment("attachment", attachment.group(1)))
        elif structure and any(structure.groupdict().values()) and (index == 0 or segments[-1].kind == "attachment"):
            segments += [Segment(kind, value) for kind, value in structure.groupdict().items() if value]
        elif index > 0:
            segments.append(Segment("words", part))
        else:
            return None
    return segments


class SourceText:
    """One seed text, normalized, with its attachments located."""

    def __init__(self, text: str):
        self.text = normalize(text)
        heading = _ANY_ATTACHMENT_HEADING.search(self.text)
        self.body_end = heading.start() if heading else len(self.text)

    def attachment_start(self, number: str) -> int | None:
        """Where attachment ``number`` starts: its heading ``附件N``; else, when extraction lost
        the heading, its title as given in the ``附件：`` list; else its first mention."""
        heading = re.search(rf"^附件{number}(?![0-9])", self.text, re.M)
        if heading:
            return heading.start()
        listing = re.search(_START + r"附件:", self.text, re.M)
        if listing:
            entry = re.compile(rf"(?:^|(?<=[\n:]))(?:附件)?{number}[.、](?P<title>[^\n]+)", re.M)
            item = entry.search(self.text, listing.end() - 1)
            if item:
                title = item.group("title").strip()
                again = self.text.find(title, item.end())
                if len(title) >= 6 and again >= 0:
                    return again
                # an attached notice is found by its document number (韶人社函〔2013〕412号)
                number = _DOCUMENT_NUMBER.search(title)
                again = self.text.find(number.group(), item.end()) if number else -1
                if again >= 0:
                    return again
        mention = re.search(rf"附件{number}(?![0-9])", self.text)
        return mention.start() if mention else None

    def locate(self, segments: list[Segment]) -> str | None:
        """None when every marker is found in order; otherwise the first that is not."""
        start, end = 0, self.body_end
        for segment in segments:
            if segment.kind == "attachment":
                found = self.attachment_start(segment.value)
                if found is None:
                    return f"附件{segment.value}"
                start, end = found, len(self.text)
                continue
            if segment.kind == "words":
                found = self.text.find(segment.value, start, end)
                if found < 0:
                    return segment.value
                start = found + len(segment.value)
                continue
            marker, sibling = _MARKERS[segment.kind](segment.value)
            match = marker.search(self.text, start, end)
            if match is None:
                return _SHOWN[segment.kind](segment.value)
            start = match.end()
            following = sibling.search(self.text, start, end)
            end = following.start() if following else end
        return None


_MARKERS = {
    "section": lambda v: (re.compile(_START + re.escape(v) + "、", re.M), _ANY_SECTION),
    "item": lambda v: (re.compile(_START + re.escape(f"({v})"), re.M), _ANY_ITEM),
    "point": lambda v: (re.compile(_START + re.escape(v) + r"[.、]", re.M), _ANY_POINT),
    "sub": lambda v: (re.compile(_START + re.escape(f"({v})"), re.M), _ANY_SUB),
}
_SHOWN = {"section": lambda v: f"{v}、", "item": lambda v: f"（{v}）", "point": lambda v: f"{v}.",
          "sub": lambda v: f"({v})"}


def check_citations(policy_file: str | Path, sources: str | Path) -> list[PolicyIssue]:
    """Every citation of a (valid) policy file whose markers are not in its seed text, located."""
    policy_file = Path(policy_file)
    text, issues = read_located_file(policy_file)
    located, issues = load_located(text, str(policy_file)) if text is not None else (None, issues)
    if located is None:
        return issues
    texts: dict[str, SourceText | None] = {}
    directory = Path(sources).resolve()
    for path, citation, source, strict in _citations(located):
        if source not in texts:
            texts[source] = _seed_text(directory, source, located, path[:2] + ("document", "source"), issues)

        text = texts[source]
        segments = parse_citation(citation)
        if segments is None:
            if strict:
                issues.append(located.issue(path, "bad_citation", f"{citation!r} is not a clause citation",
                                            "write the text's markers outermost first: 一(七), 二(一)2, 附件3·二"))
            continue
        if text is None:
            continue
        missing = text.locate(segments)
        if missing is not None:
            issues.append(located.issue(
                path, "citation_not_in_text", f"clause {citation!r}: {missing!r} does not occur where cited in {source}",
                "check the clause against the text; markers must occur in order (section 一、, item （七）, point 2.)"))
    return issues


def _seed_text(directory: Path, source: str, located: Located, at: tuple, issues: list[PolicyIssue]
               ) -> "SourceText | None":
    """The seed ``source`` names in ``directory``, or None with the located issue saying why
    (a name leading out of the directory, such as ``../../bin/ls``, is not a seed)."""
    seed = (directory / source).resolve()
    if seed.parent != directory or not seed.is_file():
        issues.append(located.issue(at, "source_not_found", f"seed file {source!r} is not in {directory}",
                                    "name the seed file the version encodes (document.source), "
                                    "a file name in the sources directory"))
        return None
    text, problems = read_located_file(seed)
    if text is None:
        issues.append(located.issue(at, problems[0].code, f"seed file {source!r}: {problems[0].message}",
                                    problems[0].hint))
        return None
    return SourceText(text)


def _citations(located: Located) -> Iterator[tuple[tuple, str, str, bool]]:
    """(path, citation, seed file, strict) for rule clauses (strict) and window bases and
    parameter sources (checked only when written as citations: they may be prose)."""
    data: Any = located.data
    for v, version in enumerate(data.get("versions") or []):
        if not isinstance(version, dict):
            continue
        source = (version.get("document") or {}).get("source")
        if not isinstance(source, str):
            continue
        base = ("versions", v)
        basis = (version.get("effective") or {}).get("basis")
        if isinstance(basis, str):
            yield base + ("effective", "basis"), basis, source, False
        for name, program in (version.get("programs") or {}).items():
            if not isinstance(program, dict):
                continue
            ppath = base + ("programs", name)
            for kind in ("preconditions", "categories", "exclusions", "outputs"):
                for r, rule in enumerate(program.get(kind) or []):
                    if isinstance(rule, dict) and isinstance(rule.get("clause"), str):
                        yield ppath + (kind, r, "clause"), rule["clause"], source, True
            for pname, parameter in (program.get("parameters") or {}).items():
                for k, value in enumerate((parameter or {}).get("values") or []):
                    if isinstance(value, dict) and isinstance(value.get("source"), str):
                        yield ppath + ("parameters", pname, "values", k, "source"), value["source"], source, False
