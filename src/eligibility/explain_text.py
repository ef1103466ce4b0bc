"""An explanation (``eligibility.explain``) for a clerk, in Chinese or English: each question
with what the decision would be under each answer, then what would make a not-eligible
person eligible. A renderer over the explanation's data, like ``render`` over a decision's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .codes import vocabulary
from .contract import STATUS_NAMES, Change, Decision, Explanation, Request, question
from .language import Policy, PolicySet, day_words

# the renderer's own words: (zh, en)
_WORDS = {
    "what_if": ("如果", "If"), "then": ("则", "then"), "amount": ("资助金额", "subsidy"),
    "unknown_amount": ("金额未知", "amount unknown"), "flags": ("标识", "flags"),
    "deadlines": ("期限", "deadlines"), "still_open": ("仍待确定", "still open"),
    "eligible_if": ("以下变化可使其符合资助条件", "Would be eligible if"),
    "nothing_to_ask": ("没有需要补充的信息", "Nothing left to ask"),
    "no_change": ("没有可使其符合资助条件的可改变事实（身份、年龄、户籍不计）",
                  "No change a person or an office can make would make them eligible (identity, age and hukou "
                  "are not changed)"),
    "yes": ("是", "yes"), "no": ("否", "no"), "none": ("无", "none"), "category": ("类别", "category"),
}
_ACTIONS = {
    "grant_status": ("取得{status}身份（{since}起）", "the {status} status granted (from {since})"),
    "renew_certificate": ("残疾人证有效期延至{date}", "the disability certificate renewed to {date}"),
    "end_enrollment": ("该参保关系于{date}终止", "that insurance ended on {date}"),
    "withdraw_enrollment": ("撤回本人缴费的该年度参保登记", "the self-paid enrolment for the year withdrawn"),
    "choose": ("改为选择 {value}（{fact}）", "{fact} chosen as {value}"),
}


def render_explanation(explanation: Explanation, decision: Decision, *, lang: str = "zh",
                       policies: PolicySet | Policy | None = None, request: Request | None = None) -> str:
    """``explanation`` of ``decision`` in ``lang`` (``zh`` or ``en``)."""
    if lang not in ("zh", "en"):
        raise ValueError(f"unknown language {lang!r}: use zh or en")
    zh = lang == "zh"
    words = vocabulary(decision, policies)

    def word(key: str) -> str:
        return _WORDS[key][0 if zh else 1]

    def code(section: str, value: str) -> str:
        label = (words.rule(f"categories.{value}") if section == "categories" else
                 words.deadline_action(value) if section == "deadline_actions" else words.code(section, value))
        return label[lang] if label is not None else value

    colon = "：" if zh else ": "
    lines: list[str] = []
    for q in explanation.questions:
        lines.append(question(q.fact, lang, request))
        for branch in (b for b in explanation.what_if if b.fact == q.fact):
            said = [code("outcomes", branch.outcome)]
            if branch.primary_category:
                said.append(code("categories", branch.primary_category))
            if branch.outcome == "eligible":
                said.append(f"{word('amount')} {branch.amount} 元" if zh and branch.amount else
                            f"{word('amount')} {branch.amount} yuan" if branch.amount else word("unknown_amount"))
            said.append(f"{word('flags')}{colon}" + ("、" if zh else ", ").join(
                code("flags", f) for f in branch.flags) if branch.flags else f"{word('flags')}{colon}{word('none')}")
            if branch.deadlines:
                said.append(f"{word('deadlines')}{colon}" + ("、" if zh else ", ").join(
                    _deadline(d, code, lang) for d in branch.deadlines))
            if branch.open:
                said.append(f"{word('still_open')}{colon}" + ("、" if zh else ", ").join(branch.open))
            lines.append(f"  · {word('what_if')} {_value(branch.value, lang)}{'，' if zh else ', '}"
                         f"{word('then')} " + ("；" if zh else "; ").join(said))
    for option in explanation.counterfactuals:
        changes = ("；" if zh else "; ").join(_change(c, lang) for c in option.changes)
        lines.append(f"{word('eligible_if')}（{code('categories', option.category)}）{colon}{changes} "
                     f"[{', '.join(option.clauses)}]" if zh else
                     f"{word('eligible_if')} ({code('categories', option.category)}){colon}{changes} "
                     f"[{', '.join(option.clauses)}]")
    if not lines:
        lines.append(word("no_change") if explanation.outcome == "not_eligible" else word("nothing_to_ask"))
    return "\n".join(lines)


def _value(value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return _WORDS["yes" if value else "no"][0 if lang == "zh" else 1]
    if isinstance(value, dt.date):
        return day_words(value, lang)
    return str(value)


def _deadline(text: str, code: Any, lang: str) -> str:
    action, _, due = text.partition(" ")
    day = day_words(dt.date.fromisoformat(due), lang) if due else ""
    return f"{code('deadline_actions', action)} {day}".strip()


def _change(change: Change, lang: str) -> str:
    template = _ACTIONS[change.action][0 if lang == "zh" else 1]
    value = change.value
    if change.action == "grant_status" and isinstance(value, dict):
        names = STATUS_NAMES.get(value.get("kind", ""), (value.get("kind", ""),) * 2)
        extra = [f"{k}={v}" for k, v in value.items() if k not in ("kind", "since")]
        status = names[0 if lang == "zh" else 1] + (f"（{', '.join(extra)}）" if extra and lang == "zh" else
                                                    f" ({', '.join(extra)})" if extra else "")
        since = value.get("since")
        return template.format(status=status, since=_value(since, lang) if since else "")
    return template.format(date=_value(value, lang), value=_value(value, lang), fact=change.fact)


__all__ = ["render_explanation"]
