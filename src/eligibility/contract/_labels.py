"""Labels of codes in two languages: the type every label has, and the one table of the codes
the library itself defines (outcomes, payment kinds, reason codes, ...).

A policy's own codes (flags, funding sources, departments, categories, deadline actions,
benefit items) are labelled in the policy file; ``eligibility.labels`` joins both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")


@dataclass(frozen=True, slots=True)
class CodeLabel:
    """A code's labels: Chinese (from the official text where the code comes from one),
    English, and the clause of the text it comes from, if any."""

    zh: str
    en: str
    clause: str | None = None

    def __getitem__(self, lang: str) -> str:
        """The label in ``lang`` (``zh`` or ``en``); a ValueError for any other language."""
        if lang == "zh":
            return self.zh
        if lang == "en":
            return self.en
        raise ValueError(f"unknown language {lang!r}: use zh or en")


def _table(**labels: tuple[str, str]) -> dict[str, CodeLabel]:
    return {code: CodeLabel(zh, en) for code, (zh, en) in labels.items()}


# The codes the library defines, by section: every value a decision field of a fixed set can take.
LIBRARY_CODES: dict[str, dict[str, CodeLabel]] = {
    "outcomes": _table(
        eligible=("符合资助条件", "eligible for the subsidy"),
        not_eligible=("不符合资助条件", "not eligible for the subsidy"),
        referred=("转由其他部门办理", "referred to another department"),
        no_policy_in_force=("无有效政策", "no policy in force"),
        enrollment_closed=("参保已截止", "enrolment closed"),
        undetermined=("信息不足，无法确定", "undetermined: facts are missing"),
    ),
    "payments": _table(
        direct=("政府直接代缴", "paid directly by the government"),
        reimbursed_after_payment=("先缴后补", "the person pays first and is reimbursed"),
        other_department=("由其他部门资助", "funded by another department"),
    ),
    "premium_sources": _table(
        policy=("政策规定的缴费标准", "the contribution standard the policy sets"),
        request=("申请中提供的缴费标准", "the contribution standard given in the request"),
        missing=("缴费标准未知", "the contribution standard is unknown"),
    ),
    "reason_codes": _table(
        no_policy_in_force=("无有效政策", "no policy in force"),
        enrollment_closed=("参保已截止", "enrolment closed"),
        precondition_failed=("不符合前提条件", "a precondition is not met"),
        excluded=("属于排除情形", "an exclusion applies"),
        category_not_met=("不属于该资助类别", "not in this category"),
    ),
    # the parts of a decision an open part (``open[].part``) can name, besides flags, deadlines
    # and benefits (labelled by the policy)
    "decision_parts": _table(**{
        "subsidy.funding_source": ("资金来源", "funding source"), "subsidy.payment": ("支付方式", "payment"),
        "subsidy.amount": ("资助金额", "subsidy amount"), "tier.level": ("待遇档次", "benefit tier"),
        "benefit_start": ("待遇开始日期", "benefit start date"), "benefit_end": ("待遇结束日期", "benefit end date"),
        "responsible_region": ("负责地区", "responsible region"), "enrollment_unit": ("参保单位", "enrolling unit"),
        "primary_category": ("主要类别", "primary category"), "referred_to": ("转办部门", "department referred to"),
    }),
    "benefit_notes": _table(
        no_benefit_days_in_coverage_year=("本参保年度内已无待遇可享受", "no benefit days are left in the coverage year"),
    ),
    "open_deadline_codes": _table(
        calendar_not_covered=("官方工作日历未覆盖该年度，无法计算工作日", "the official working-day calendar does not "
                                                                  "cover that year: working days cannot be counted"),
    ),
}


