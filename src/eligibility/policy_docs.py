"""Rules tables generated from a compiled policy, so a city's docs cannot drift from it.

``docs/policies/<city>.md`` keeps its prose and interpretations by hand and holds the
generated part between the two markers below; ``eligibility docs`` rewrites that part and
a test fails when it is stale.
"""

from __future__ import annotations

from pathlib import Path

from .errors import EligibilityError
from .language import OutputRule, Policy, Program, Rule
from .language.kinds import KINDS, describe

BEGIN = "<!-- BEGIN GENERATED: eligibility docs; do not edit by hand -->"
END = "<!-- END GENERATED -->"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _output_effects(output: OutputRule) -> str:
    sets = dict(output.sets)
    parts = []
    for name in ("share", "premium", "amount", "funding_source", "payment", "tier", "responsible_region",
                 "enrollment_unit"):
        value = sets.get(name)
        if value is not None:
            parts.append(f"{name}={value}")
    if output.benefit_start is not None:
        parts.append(f"benefit_start={output.benefit_start.text}")
    if output.benefit_end is not None:
        parts.append(f"benefit_end={output.benefit_end.text}")
    parts += [f"flag {flag}" for flag in output.flags]
    parts += [f"deadline {d.action}: {d.due.text}" for d in output.deadlines]
    parts += [f"{b.item}={b.value}" for b in output.benefits]
    return "; ".join(parts)


def _label_cell(rule: Rule) -> str:
    return f"{_cell(rule.label)}<br>{_cell(rule.label_en)}"


def _program_tables(program: Program) -> list[str]:
    lines = [f"#### Program `{program.name}`: {program.label} ({program.label_en})", ""]
    if program.parameters:
        lines += ["| parameter | label | unit | values (from: value, source) |", "|---|---|---|---|"]
        for parameter in program.parameters:
            name = parameter.name
            values = "; ".join(f"{v.from_}: {v.value} ({v.source})" for v in parameter.values)
            if parameter.caller_supplied:
                values = f"caller-supplied. {parameter.note or ''}".strip()
            lines.append(f"| `{name}` | {_cell(parameter.label)}<br>{_cell(parameter.label_en)} | {parameter.unit} | "
                         f"{_cell(values)} |")
        lines.append("")
    lines += ["| kind | code | clause | label | condition | outcome / effects |", "|---|---|---|---|---|---|"]
    for rule in (*program.preconditions, *program.categories, *program.exclusions):
        effect = (rule.outcome or "") + (f" → {rule.department}" if rule.department else "")
        condition = describe(rule.condition) if rule.condition else "always"
        lines.append(f"| {rule.kind} | `{rule.id}` | {rule.clause} | {_label_cell(rule)} | {_cell(condition)} | "
                     f"{_cell(effect)} |")
    for output in program.outputs:
        rule = output.rule
        condition = describe(rule.condition) if rule.condition else "always"
        lines.append(f"| output | `{rule.id}` | {rule.clause} | {_label_cell(rule)} | {_cell(condition)} | "
                     f"{_cell(_output_effects(output))} |")
    if program.priority:
        lines += ["", f"Priority (primary category): {' > '.join(program.priority)}"]
    return lines + [""]


_SECTION_NAMES = {"flags": "flag", "funding_sources": "funding source", "departments": "department"}


def rules_markdown(policy: Policy) -> str:
    """The generated part of ``docs/policies/<city>.md``."""
    lines = [BEGIN, "", "### Codes", ""]
    rows = [(section, code, label) for section, entries in policy.codes for code, label in entries]
    if rows:
        lines += ["| kind | code | label (zh) | label (en) | clause |", "|---|---|---|---|---|"]
        lines += [f"| {_SECTION_NAMES[section]} | `{code}` | {_cell(label.zh)} | {_cell(label.en)} | "
                  f"{_cell(label.clause or '')} |" for section, code, label in rows]
        lines.append("")
    for version in policy.versions:
        document = version.document
        lines += [f"### Version `{version.id}`: {document.number or document.title}", "",
                  f"- Title: {document.title}", f"- Issued by: {'、'.join(document.issuers)}",
                  f"- Issued: {document.issued or 'not stated in the text'}",
                  f"- In force: {version.effective_from} to {version.effective_to or 'open'}"
                  + (f" ({version.basis})" if version.basis else ""),
                  f"- Source: `../shared/seeds/{document.source}`", ""]
        for program in version.programs:
            lines += _program_tables(program)
    lines.append(END)
    return "\n".join(lines)


def update_doc(policy: Policy, doc: Path) -> bool:
    """Rewrite the generated part of ``doc``; return True if it changed. EligibilityError when
    ``doc`` cannot be read or written."""
    try:
        return _update_doc(policy, doc)
    except (OSError, UnicodeDecodeError) as exc:
        raise EligibilityError(f"cannot update {doc}: {getattr(exc, 'strerror', None) or exc}") from None


def _update_doc(policy: Policy, doc: Path) -> bool:
    text = doc.read_text(encoding="utf-8") if doc.exists() else f"# {policy.name} ({policy.city})\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n## Rules\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = head + rules_markdown(policy) + tail
    if new != text:
        doc.write_text(new, encoding="utf-8")
        return True
    return False


KINDS_BEGIN = "<!-- BEGIN GENERATED: condition kinds; do not edit by hand -->"


def condition_kinds_markdown() -> str:
    """The table of condition kinds in ``docs/authoring.md``, from the kinds' registry."""
    lines = [KINDS_BEGIN, "", "| condition | meaning |", "|---|---|"]
    for kind in KINDS:
        lines += [f"| {_cell(example)} | {_cell(meaning)} |" for example, meaning in kind.doc]
    return "\n".join(lines + ["", END])


def update_kinds_doc(doc: Path) -> bool:
    """Rewrite the condition kinds table of ``doc`` (docs/authoring.md); return True if it changed."""
    try:
        return _update_kinds_doc(doc)
    except (OSError, UnicodeDecodeError) as exc:
        raise EligibilityError(f"cannot update {doc}: {getattr(exc, 'strerror', None) or exc}") from None


def _update_kinds_doc(doc: Path) -> bool:
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(KINDS_BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = head + condition_kinds_markdown() + tail
    if new != text:
        doc.write_text(new, encoding="utf-8")
        return True
    return False
