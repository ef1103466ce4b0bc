"""Renderers over the same decision: JSON for machines; text for the clerk, in Chinese or
English; and the developer's one-line-per-test trace (``render_step``, for YAML case reports).

The clerk's text shows the decision first, in words (outcome, categories, amount, who pays,
flags, tier, dates, deadlines, referral, the main reason, the questions that would settle an
undetermined case), then only the steps that decided it (:func:`deciding_steps`), or every
step with ``trace="full"``. Conditions are worded by each kind's ``sentence``, found through
the policy the decision was made with; missing facts are asked with ``contract.question``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Literal

from .codes import Vocabulary, vocabulary
from .contract import ConditionTrace, Decision, Request, TraceStep, question
from .language import Node, Policy, PolicySet, Program, day_words
from .language.kinds import sentence, tests_by_trace_text

TraceMode = Literal["decisive", "full", "none"]
_MARK = {True: "✓", False: "✗", None: "?"}

__all__ = ["deciding_steps", "render_json", "render_step", "render_text"]


def render_json(decision: Decision, *, indent: int | None = 2) -> str:
    """The decision as JSON (shape versioned by ``schema_version``)."""
    return json.dumps(decision.model_dump(mode="json", by_alias=True), ensure_ascii=False, indent=indent)


# --- the clerk's text ---------------------------------------------------------------------

# the renderer's own words: (zh, en)
_WORDS = {
    "outcome": ("结论", "Outcome"), "policy": ("政策", "Policy"), "version": ("版本", "version"),
    "open": ("长期有效", "open-ended"), "to": ("至", "to"),
    "coverage_year": ("参保年度", "Coverage year"), "as_of": ("申请日期", "Application date"),
    "undetermined_year": ("未确定", "not determined"), "categories": ("资助类别", "Categories"),
    "primary": ("主要类别", "primary category"), "amount": ("资助金额", "Subsidy"),
    "unknown_amount": ("金额未知", "amount unknown"), "yuan": ("元", "yuan"),
    "share": ("资助比例", "share"), "premium": ("个人缴费标准", "individual contribution"),
    "premium_missing": ("个人缴费标准未提供", "individual contribution not supplied"),
    "funding": ("资金来源", "Funded by"), "payment": ("支付方式", "Payment"), "note": ("说明", "Note"),
    "flags": ("标识", "Flags"), "tier": ("待遇档次", "Benefit tier"), "benefits": ("待遇调整", "Benefits"),
    "benefit_period": ("待遇期间", "Benefit period"), "deadline": ("期限", "Deadline"),
    "open_deadline": ("无法计算的期限", "Deadline not dated"),
    "region": ("负责地区", "Responsible region"), "unit": ("参保单位", "Enrolling unit"),
    "referred_to": ("转办部门", "Referred to"), "questions": ("需要补充的信息", "Facts needed"),
    "open_parts": ("尚未确定的部分", "Not yet settled"), "needs": ("取决于", "depends on"),
    "defaults": ("按政策默认", "Default set by the text"), "passed": ("已过期", "passed"),
    "main_reason": ("主要原因", "Main reason"), "other_reasons": ("其他原因", "Other reasons"),
    "decided_by": ("决定依据", "Decided by"), "trace": ("全部步骤", "Every step"),
    "all": ("同时满足以下全部条件：", "all of:"), "any": ("满足以下任一条件：", "any of:"),
    "not": ("不满足以下条件：", "not:"), "ask": ("需确认", "to confirm"), "read": ("读取", "read"),
    "parameter": ("参数", "parameter"), "from": ("起", "from"), "not_supplied": ("未提供", "not supplied"),
    "coverage_step": ("参保年度", "Coverage year"), "full_year": ("全年参保", "full year"),
    "mid_year": ("年度中途参保", "mid-year"), "version_step": ("适用政策版本", "Policy version in force"),
    "no_version": ("申请日无有效政策版本", "no policy version in force on the application date"),
    "subsidy_step": ("资助金额", "Subsidy"), "outcome_step": ("结论", "Outcome"),
}
_UNITS = {"yuan": ("元", "yuan"), "ratio": ("", "(ratio)"), "percent": ("%", "%"), "days": ("日", "days")}


def render_text(decision: Decision, *, lang: str = "zh", trace: TraceMode = "decisive",
                policies: PolicySet | Policy | None = None, request: Request | None = None) -> str:
    """The decision for a clerk, in ``lang`` (``zh`` or ``en``): the decision first, then the
    steps that decided it (``trace="decisive"``), every step (``"full"``) or none (``"none"``).
    Labels come from the decision's policy (the bundled one unless ``policies`` is given); with
    the ``request`` decided, a question about a status names the status."""
    if lang not in ("zh", "en"):
        raise ValueError(f"unknown language {lang!r}: use zh or en")
    text = _Text(decision, lang, vocabulary(decision, policies), request)
    lines = text.summary()
    steps = decision.trace if trace == "full" else deciding_steps(decision) if trace == "decisive" else []
    if steps:
        lines.append(text.word("trace" if trace == "full" else "decided_by") + ("：" if lang == "zh" else ":"))
        for step in steps:
            lines += text.step(step, full=trace == "full")
    return "\n".join(lines)


class _Text:
    """The words of one decision in one language."""

    def __init__(self, decision: Decision, lang: str, words: Vocabulary, request: Request | None = None):
        self.decision, self.lang, self.words, self.request = decision, lang, words, request
        self.zh = lang == "zh"
        self.nodes = _nodes(words.program)
        program = words.program
        self.categories = {rule.id: rule.label if self.zh else rule.label_en
                           for rule in (program.categories if program is not None else ())}
        year = decision.coverage_year
        self.thresholds = program.thresholds(year) if program is not None and year is not None else {}

    def word(self, key: str) -> str:
        return _WORDS[key][0 if self.zh else 1]

    def line(self, key: str, value: str) -> str:
        return f"{self.word(key)}：{value}" if self.zh else f"{self.word(key)}: {value}"

    def code(self, section: str, code: str) -> str:
        label = self.words.code(section, code)
        return label[self.lang] if label is not None else code

    def rule(self, path: str, fallback: str) -> str:
        label = self.words.rule(path)
        return label[self.lang] if label is not None else fallback

    def question(self, path: str) -> str:
        return question(path, self.lang, self.request)

    def day(self, day: Any) -> str:
        return day_words(day, self.lang)

    def summary(self) -> list[str]:
        d, lines = self.decision, [self.line("outcome", self.code("outcomes", self.decision.outcome))]
        if d.policy:
            p = d.policy
            window = f"{self.day(p.effective_from)} {self.word('to')} " + (
                self.day(p.effective_to) if p.effective_to else self.word("open"))
            lines.append(self.line("policy", f"{p.name} {p.document_number or p.document_title}"
                                             f"（{self.word('version')} {p.version}，{window}）" if self.zh else
                                   f"{p.name} {p.document_number or p.document_title} "
                                   f"({self.word('version')} {p.version}, {window})"))
        year = str(d.coverage_year) if d.coverage_year is not None else self.word("undetermined_year")
        lines.append(self.line("coverage_year", year) + ("　" if self.zh else "; ")
                     + self.line("as_of", self.day(d.as_of)))
        if d.categories:
            primary = f"（{self.word('primary')}）" if self.zh else f" ({self.word('primary')})"
            lines.append(self.line("categories", ("；" if self.zh else "; ").join(
                f"{self.rule('categories.' + c.id, c.label)} [{c.clause}]" + (primary if c.id == d.primary_category
                                                                            else "") for c in d.categories)))
        lines += self.subsidy()
        lines += [self.line("flags", self.code("flags", flag)) for flag in d.flags]
        lines += self.tier()
        if d.benefit_start or d.benefit_end:
            start = self.day(d.benefit_start) if d.benefit_start else "—"
            end = self.day(d.benefit_end) if d.benefit_end else self.word("open")
            lines.append(self.line("benefit_period", f"{start} {self.word('to')} {end}"))
        if d.benefit_note:
            lines.append(self.line("benefit_period", self.code("benefit_notes", d.benefit_note)))
        for deadline in d.deadlines:
            label = self.words.deadline(deadline.rule, deadline.action)
            passed = (f"（{self.word('passed')}）" if self.zh else f" ({self.word('passed')})") if deadline.passed else ""
            text = label[self.lang] if label else deadline.label
            lines.append(self.line("deadline", f"{self.day(deadline.due)} {text} [{deadline.clause}]{passed}"))
        for o in d.open_deadlines:
            label = self.words.deadline(o.rule, o.action)
            lines.append(self.line("open_deadline", f"{label[self.lang] if label else o.label} [{o.clause}]: "
                                                    f"{self.code('open_deadline_codes', o.code)}"))
        if d.responsible_region:
            lines.append(self.line("region", d.responsible_region))
        if d.enrollment_unit:
            lines.append(self.line("unit", d.enrollment_unit))
        if d.referred_to:
            lines.append(self.line("referred_to", self.code("departments", d.referred_to)))
        for default in d.defaults:
            label = self.words.default(default.fact)
            lines.append(self.line("defaults", f"{label[self.lang] if label else default.label} [{default.clause}]"))
        groups: dict[tuple[str, ...], list[str]] = {}  # the open parts, by the facts that settle them
        for part in d.open:
            label = self.words.part(part.part, part.rule)
            groups.setdefault(tuple(part.needs), []).append(label[self.lang] if label else part.part)
        for needs, parts in groups.items():
            asked = ("；" if self.zh else "; ").join(self.question(fact) for fact in needs)
            lines.append(f"{self.word('open_parts')}（{self.word('needs')}：{asked}）：" if self.zh else
                         f"{self.word('open_parts')} ({self.word('needs')}: {asked}):")
            lines += [f"  - {part}" for part in parts]
        asked = [q.zh if self.zh else q.en for q in d.questions] or [self.question(path) for path in d.missing]
        if asked:
            lines.append(self.word("questions") + ("：" if self.zh else ":"))
            lines += [f"  - {text}" for text in asked]
        lines += self.reasons()
        return lines

    def subsidy(self) -> list[str]:
        s = self.decision.subsidy
        if s is None:
            return []
        yuan = self.word("yuan")
        amount = f"{s.amount} {yuan}" if s.amount is not None else self.word("unknown_amount")
        details = []
        if s.share is not None:
            details.append(f"{self.word('share')} {_percent(s.share)}")
        if s.premium is not None:
            source = f"，{self.code('premium_sources', s.premium_source)}" if self.zh and s.premium_source else (
                f", {self.code('premium_sources', s.premium_source)}" if s.premium_source else "")
            details.append(f"{self.word('premium')} {s.premium} {yuan}{source}")
        elif s.premium_parameter:
            details.append(self.word("premium_missing"))
        lines = [self.line("amount", amount + (f"（{'，'.join(details)}）" if self.zh else f" ({'; '.join(details)})")
                           if details else amount)]
        if s.funding_source:
            lines.append(self.line("funding", self.code("funding_sources", s.funding_source)))
        if s.payment:
            lines.append(self.line("payment", self.code("payments", s.payment)))
        if s.note:
            lines.append(self.line("note", s.note))
        return lines

    def tier(self) -> list[str]:
        tier = self.decision.tier
        if tier is None:
            return []
        lines = [self.line("tier", str(tier.level))] if tier.level is not None else (
            [self.word("benefits") + ("：" if self.zh else ":")] if tier.benefits else [])
        for b in tier.benefits:
            label = self.words.benefit(b.item, b.label)
            lines.append(f"  {label[self.lang] if label else b.label}{'：' if self.zh else ': '}{b.value} [{b.clause}]")
        return lines

    def reasons(self) -> list[str]:
        d = self.decision
        main = d.main_reason
        if main is None:
            return []
        lines = [self.line("main_reason", self.reason(main))]
        others = [r for r in d.reasons if r != main]
        if others and len(others) <= 3:
            lines.append(self.word("other_reasons") + ("：" if self.zh else ":"))
            lines += [f"  - {self.reason(r)}" for r in others]
        return lines

    def reason(self, reason: Any) -> str:
        clause = f"[{reason.clause}] " if reason.clause else ""
        what = self.code("reason_codes", reason.code)
        rule = self.words.rule(reason.rule)
        return f"{clause}{what}{'：' if self.zh else ': '}{rule[self.lang] if rule else reason.label}" if rule or \
            reason.clause else f"{what}"

    # -- steps ----------------------------------------------------------------------------
    def step(self, step: TraceStep, *, full: bool) -> list[str]:
        clause = f"[{step.clause}] " if step.clause else ""
        lines = [f"  {_MARK[step.result]} {clause}{self.step_label(step)}"]
        lines += self.condition(step.condition, 3, full)
        if full:
            for use in step.parameters:
                label = self.words.parameter(use.name)
                unit = _UNITS.get(use.unit, (use.unit, use.unit))[0 if self.zh else 1]
                since = f"，{self.day(use.effective_from)}{self.word('from')}" if self.zh and use.effective_from else (
                    f", {self.word('from')} {self.day(use.effective_from)}" if use.effective_from else "")
                value = use.value if use.value is not None else self.word("not_supplied")
                lines.append(f"      {self.word('parameter')} {label[self.lang] if label else use.name} = "
                             f"{value} {unit}（{use.source}{since}）" if self.zh else
                             f"      {self.word('parameter')} {label[self.lang] if label else use.name} = "
                             f"{value} {unit} ({use.source}{since})")
        return lines

    def step_label(self, step: TraceStep) -> str:
        d = self.decision
        if step.kind in ("precondition", "category", "exclusion", "output"):
            return self.rule(step.path, step.label)
        if step.kind == "priority":
            primary = d.primary_category or ""
            return self.line("primary", self.rule(f"categories.{primary}", step.label))
        if step.kind == "version":
            if not step.rule or d.policy is None:
                return self.word("no_version")
            return self.line("version_step", f"{d.policy.document_number or d.policy.document_title}")
        if step.kind == "coverage":
            mode = step.facts.get("mode")
            year = step.facts.get("coverage_year", "")
            return self.line("coverage_step", f"{year}" + (f"（{self.word(mode)}）" if self.zh and mode else
                                                            f" ({self.word(mode)})" if mode else ""))
        if step.kind == "subsidy":
            return self.word("subsidy_step")
        return self.line("outcome_step", self.code("outcomes", d.outcome))

    def condition(self, c: ConditionTrace | None, depth: int, full: bool) -> list[str]:
        if c is None:
            return []
        pad = "  " * depth
        if c.test in ("all", "any", "not"):
            parts = c.parts if full else _decisive_parts(c)
            if len(parts) == 1 and c.test != "not" and not full:
                return self.condition(parts[0], depth, full)
            out = [f"{pad}{_MARK[c.result]} {self.word(c.test)}"]
            for part in parts:
                out += self.condition(part, depth + 1, full)
            return out
        node = self.nodes.get(c.test)
        line = f"{pad}{_MARK[c.result]} {sentence(node, self.lang, self.categories, self.thresholds) if node is not None else c.test}"
        if full and c.read:
            line += f"（{self.word('read')}：" if self.zh else f" ({self.word('read')}: "
            line += ", ".join(f"{k} = {'—' if v is None else v}" for k, v in c.read.items()) + ("）" if self.zh else ")")
        out = [line]
        out += [f"{pad}    {self.word('ask')}{'：' if self.zh else ': '}{self.question(path)}" for path in c.missing]
        return out


def _percent(share: str) -> str:
    """A share as a percentage: ``1`` → 100%, ``0.5`` → 50%."""
    return f"{(Decimal(share) * 100).normalize():f}%"


def _decisive_parts(c: ConditionTrace) -> list[ConditionTrace]:
    """The parts of a composition that decided it: every part of a true ``all`` or a false
    ``any``; the false parts of a false ``all``, the true parts of a true ``any``; the unknown
    parts of an unknown one."""
    if c.test == "not":
        return c.parts
    if c.result is None:
        return [p for p in c.parts if p.result is None]
    if (c.test == "all") == (c.result is True):
        return c.parts
    return [p for p in c.parts if p.result is c.result]


_NODES: dict[int, tuple[Program, dict[str, Node]]] = {}


def _nodes(program: Program | None) -> dict[str, Node]:
    """A program's tests by the name the trace gives them (a test's description)."""
    if program is None:
        return {}
    cached = _NODES.get(id(program))
    if cached is None or cached[0] is not program:
        found = tests_by_trace_text(program)
        cached = _NODES[id(program)] = (program, found)
    return cached[1]


def deciding_steps(decision: Decision) -> list[TraceStep]:
    """The trace steps that decided the outcome (not every step the evaluation took).

    A failed version or coverage step; else the failed preconditions; else, for a decision
    that stands on a category, the rules that held (categories, priority, applied outputs,
    the subsidy); for ``undetermined`` the steps that could not be decided; for
    ``not_eligible`` without a failed precondition, the exclusion that held or, when no
    category held, every category.
    """
    steps = decision.trace
    if not steps:
        return []
    outcome = decision.outcome
    failed_gate = [s for s in steps if s.kind in ("version", "coverage") and s.result is False]
    if failed_gate:
        return failed_gate
    failed_pre = [s for s in steps if s.kind == "precondition" and s.result is False]
    if failed_pre:
        return failed_pre
    if outcome == "undetermined":
        return [s for s in steps if s.result is None]
    true_excl = [s for s in steps if s.kind == "exclusion" and s.result is True]
    if outcome in ("eligible", "referred") and not true_excl:
        return [s for s in steps if s.result is True and s.kind in
                ("precondition", "category", "priority", "output", "subsidy")]
    held = [s for s in steps if s.kind == "category" and s.result is True]
    if true_excl and held:
        return held + true_excl
    return [s for s in steps if s.kind == "category"]


# --- the developer's trace (YAML case reports) ----------------------------------------------

def render_step(step: TraceStep) -> list[str]:
    """One trace step as indented lines, as tests describe it: the rule, its condition tree,
    the parameters used (the developer's view; the clerk's is :func:`render_text`)."""
    clause = f"[{step.clause}] " if step.clause else ""
    lines = [f"  {_MARK[step.result]} {clause}{step.label} ({step.path})"]
    lines += _render_condition(step.condition, 2)
    for use in step.parameters:
        since = f"from {use.effective_from}, " if use.effective_from else ""
        value = "not supplied" if use.value is None else use.value
        lines.append(f"      参数 {use.name} = {value} {use.unit} ({since}{use.source})")
    return lines


def _render_condition(condition: ConditionTrace | None, depth: int) -> list[str]:
    if condition is None:
        return []
    pad = "  " * (depth + 1)
    line = f"{pad}{_MARK[condition.result]} {condition.test}"
    if condition.read:
        line += "  ← " + ", ".join(f"{k}={'absent' if v is None else v}" for k, v in condition.read.items())
    if condition.missing:
        line += f"  (missing: {', '.join(condition.missing)})"
    out = [line]
    for part in condition.parts:
        out += _render_condition(part, depth + 1)
    return out
