"""Rules tables generated from a compiled policy, so a city's docs cannot drift from it.

``docs/policies/<city>.md`` keeps its prose and interpretations by hand and holds the
generated part between the two markers below; ``eligibility docs`` rewrites that part and
a test fails when it is stale.
"""

from __future__ import annotations

from pathlib import Path

from ._compile import CompiledOutput, CompiledProgram, Policy
from ._policy_model import Output

BEGIN = "<!-- BEGIN GENERATED: eligibility docs; do not edit by hand -->"
END = "<!-- END GENERATED -->"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _output_effects(output: CompiledOutput) -> str:
    spec = output.rule.spec
    assert isinstance(spec, Output)
    parts = []
    for name in ("share", "premium", "amount", "funding_source", "payment", "tier", "responsible_region",
                 "enrollment_unit"):
        value = getattr(spec, name)
        if value is not None:
            parts.append(f"{name}={value}")
    if output.benefit_start is not None:
        parts.append(f"benefit_start={output.benefit_start.text}")
    if output.benefit_end is not None:
        parts.append(f"benefit_end={output.benefit_end.text}")
    parts += [f"flag {flag}" for flag in spec.flags]
    parts += [f"deadline {d.action}: {d.due.text}" for d in output.deadlines]
    parts += [f"{b.item}={b.value}" for b in spec.benefits]
    return "; ".join(parts)


def _program_tables(program: CompiledProgram) -> list[str]:
    lines = [f"#### Program `{program.name}`: {program.spec.label}", ""]
    if program.parameters:
        lines += ["| parameter | label | unit | values (from: value, source) |", "|---|---|---|---|"]
        for name, parameter in program.parameters.items():
            values = "; ".join(f"{v.from_}: {v.value} ({v.source})" for v in parameter.values)
            if parameter.caller_supplied:
                values = f"caller-supplied. {parameter.note or ''}".strip()
            lines.append(f"| `{name}` | {_cell(parameter.label)} | {parameter.unit} | {_cell(values)} |")
        lines.append("")
    lines += ["| kind | code | clause | label | condition | outcome / effects |", "|---|---|---|---|---|---|"]
    for rule in (*program.preconditions, *program.categories, *program.exclusions):
        outcome = getattr(rule.spec, "outcome", "")
        department = getattr(rule.spec, "department", None)
        effect = outcome + (f" → {department}" if department else "")
        condition = rule.condition.describe() if rule.condition else "always"
        lines.append(f"| {rule.kind} | `{rule.id}` | {rule.clause} | {_cell(rule.label)} | {_cell(condition)} | {_cell(effect)} |")
    for output in program.outputs:
        rule = output.rule
        condition = rule.condition.describe() if rule.condition else "always"
        lines.append(f"| output | `{rule.id}` | {rule.clause} | {_cell(rule.label)} | {_cell(condition)} | "
                     f"{_cell(_output_effects(output))} |")
    if program.spec.priority:
        lines += ["", f"Priority (primary category): {' > '.join(program.spec.priority)}"]
    return lines + [""]


def rules_markdown(policy: Policy) -> str:
    """The generated part of ``docs/policies/<city>.md``."""
    lines = [BEGIN, "", "### Codes", ""]
    codes = policy.spec.codes
    if codes.flags or codes.funding_sources:
        lines += ["| kind | code | meaning |", "|---|---|---|"]
        lines += [f"| flag | `{c}` | {_cell(label)} |" for c, label in codes.flags.items()]
        lines += [f"| funding source | `{c}` | {_cell(label)} |" for c, label in codes.funding_sources.items()]
        lines.append("")
    for version in policy.versions:
        spec = version.spec
        lines += [f"### Version `{spec.id}`: {spec.document.number or spec.document.title}", "",
                  f"- Title: {spec.document.title}", f"- Issued by: {'、'.join(spec.document.issuers)}",
                  f"- Issued: {spec.document.issued or 'not stated in the text'}",
                  f"- In force: {spec.effective.from_} to {spec.effective.to or 'open'}"
                  + (f" ({spec.effective.basis})" if spec.effective.basis else ""),
                  f"- Source: `../shared/seeds/{spec.document.source}`", ""]
        for program in version.programs.values():
            lines += _program_tables(program)
    lines.append(END)
    return "\n".join(lines)


def update_doc(policy: Policy, doc: Path) -> bool:
    """Rewrite the generated part of ``doc``; return True if it changed."""
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
