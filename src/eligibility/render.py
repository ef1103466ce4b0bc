"""Two renderers over the same decision: JSON for machines, text with Chinese labels for people."""

from __future__ import annotations

import json

from .contract import ConditionTrace, Decision, Explanation, TraceStep

_OUTCOME_LABELS = {
    "eligible": "符合资助条件 eligible",
    "not_eligible": "不符合资助条件 not eligible",
    "referred": "转由其他部门办理 referred",
    "no_policy_in_force": "无有效政策 no policy in force",
    "enrollment_closed": "参保已截止 enrollment closed",
    "undetermined": "信息不足，无法确定 undetermined",
}
_MARK = {True: "✓", False: "✗", None: "?"}

__all__ = ["render_explanation", "render_json", "render_step", "render_text"]


def render_json(decision: Decision, *, indent: int | None = 2) -> str:
    """The decision as JSON (shape versioned by ``schema_version``)."""
    return json.dumps(decision.model_dump(mode="json", by_alias=True), ensure_ascii=False, indent=indent)


def render_text(decision: Decision, *, trace: bool = True) -> str:
    """A caseworker's reading of the decision, with the trace as an indented log."""
    lines = [f"结论 outcome: {_OUTCOME_LABELS[decision.outcome]}"]
    if decision.policy:
        p = decision.policy
        lines.append(f"政策 policy: {p.name} {p.document_number or p.document_title} "
                     f"(version {p.version}, {p.effective_from} – {p.effective_to or 'open'})")
    year = decision.coverage_year if decision.coverage_year is not None else "未确定 not determined"
    lines.append(f"参保年度 coverage year: {year}  申请日期 as of: {decision.as_of}")
    if decision.categories:
        cats = "; ".join(f"{c.label} [{c.clause}]" for c in decision.categories)
        primary = f"  (primary: {decision.primary_category})" if decision.primary_category else ""
        lines.append(f"类别 categories: {cats}{primary}")
    if decision.subsidy:
        s = decision.subsidy
        amount = f"{s.amount} 元" if s.amount is not None else "未知 unknown"
        premium = f"premium {s.premium} from {s.premium_source}" if s.premium is not None else \
            f"premium unknown{' (' + s.premium_parameter + ' not supplied)' if s.premium_parameter else ''}"
        lines.append(f"资助金额 subsidy: {amount} (share {_known(s.share)}, {premium}); "
                     f"funding {_known(s.funding_source)}; payment {_known(s.payment)}")
        if s.note:
            lines.append(f"  note: {s.note}")
    if decision.flags:
        lines.append(f"标识 flags: {', '.join(decision.flags)}")
    if decision.tier:
        if decision.tier.level is not None:
            lines.append(f"待遇档次 tier: {decision.tier.level}")
        elif decision.tier.benefits:
            lines.append("待遇调整 benefits:")
        for b in decision.tier.benefits:
            lines.append(f"  {b.label}: {b.value} [{b.clause}]")
    if decision.benefit_start or decision.benefit_end:
        start, end = _known(decision.benefit_start), _known(decision.benefit_end, "open")
        lines.append(f"待遇期间 benefits: {start} – {end}")
    if decision.benefit_note:
        lines.append(f"待遇期间 benefits: 本参保年度内已无待遇可享受 none left in the coverage year "
                     f"({decision.benefit_note})")
    for d in decision.deadlines:
        passed = " （已过期 passed）" if d.passed else ""
        lines.append(f"期限 deadline {d.due}{passed}: {d.label} [{d.clause}]")
    for o in decision.open_deadlines:
        lines.append(f"期限 deadline open ({o.action}): {o.label} [{o.clause}]: {o.code}: {o.reason}")
    if decision.responsible_region:
        lines.append(f"负责地区 responsible region: {decision.responsible_region}")
    if decision.enrollment_unit:
        lines.append(f"参保单位 enrollment unit: {decision.enrollment_unit}")
    if decision.referred_to:
        lines.append(f"转办部门 referred to: {decision.referred_to}")
    for d in decision.defaults:
        lines.append(f"按文件默认 default: {d.fact} = {d.value} [{d.clause}]: {d.label}")
    if decision.missing:
        lines.append(f"缺少信息 missing: {', '.join(decision.missing)}")
    for part in decision.open:
        lines.append(f"待定 open: {part.part} ← {', '.join(part.needs) or '-'} [{part.clause or '-'}]")
    for q in decision.questions:
        lines.append(f"请问 ask: {q.zh} / {q.en} ({q.fact}; settles {', '.join(q.settles)})")
    for r in decision.reasons:
        lines.append(f"原因 reason [{r.clause or '-'}]: {r.message}")
    if trace and decision.trace:
        lines.append("依据 trace:")
        for step in decision.trace:
            lines += render_step(step)
    return "\n".join(lines)


def _known(value: object, absent: str = "not stated") -> str:
    """``value`` as text, or what its absence means: no ``None`` reaches a reader."""
    return absent if value is None else str(value)


def render_step(step: TraceStep) -> list[str]:
    """One trace step as indented lines: the rule, its condition tree, the parameters used."""
    clause = f"[{step.clause}] " if step.clause else ""
    lines = [f"  {_MARK[step.result]} {clause}{step.label} ({step.path})"]
    lines += _render_condition(step.condition, 2)
    for use in step.parameters:
        since = f"from {use.effective_from}, " if use.effective_from else ""
        lines.append(f"      参数 {use.name} = {_known(use.value, 'not supplied')} {use.unit} ({since}{use.source})")
    return lines


def _render_condition(condition: ConditionTrace | None, depth: int) -> list[str]:
    if condition is None:
        return []
    pad = "  " * (depth + 1)
    line = f"{pad}{_MARK[condition.result]} {condition.test}"
    if condition.read:
        line += "  ← " + ", ".join(f"{k}={_known(v, 'absent')}" for k, v in condition.read.items())
    if condition.missing:
        line += f"  (missing: {', '.join(condition.missing)})"
    out = [line]
    for part in condition.parts:
        out += _render_condition(part, depth + 1)
    return out


def render_explanation(explanation: Explanation) -> str:
    """What-if branches and counterfactuals, one line each."""
    lines = []
    for branch in explanation.what_if:
        flags = ", ".join(branch.flags) or "-"
        lines.append(f"假如 what if {branch.fact} = {branch.value}: {branch.outcome}"
                     f"{' ' + branch.primary_category if branch.primary_category else ''}; "
                     f"amount {_known(branch.amount)}; flags {flags}"
                     + (f"; deadlines {', '.join(branch.deadlines)}" if branch.deadlines else "")
                     + (f"; still open {', '.join(branch.open)}" if branch.open else ""))
    for option in explanation.counterfactuals:
        changes = "; ".join(f"{c.action} {c.fact}" + (f" = {_shown(c.value)}" if c.value is not None else "")
                            for c in option.changes)
        lines.append(f"可符合 would be eligible ({option.category}) if: {changes} "
                     f"[{', '.join(option.clauses)}]")
    if not lines:
        lines.append("无可问事项 nothing left to ask" if explanation.outcome != "not_eligible"
                     else "无可改变的事实 no change a person or office can make would make them eligible")
    return "\n".join(lines)


def _shown(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_shown(v)}" for k, v in value.items()) + "}"
    return str(value)
