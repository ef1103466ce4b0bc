"""The codes a decision carries, with their labels in Chinese and English.

A decision holds codes (``outcome``, category ids, flags, ``funding_source``, ``payment``,
``referred_to``, deadline actions, benefit items, reason codes); their labels live in the
policy (its ``codes:`` and each rule's ``label``/``label_en``) and, for the codes the library
defines, in ``contract.LIBRARY_CODES``. :func:`labels` looks them up for one decision;
:func:`policy_codes` lists every code of a policy (``GET /v1/policies/{city}``).
"""

from __future__ import annotations

from typing import Any

from .contract import LANGS, LIBRARY_CODES, CodeLabel, Decision
from .language import CODE_SECTIONS, Policy, PolicySet, Program

__all__ = ["Vocabulary", "labels", "policy_codes", "program_codes", "vocabulary"]


class Vocabulary:
    """The labels of one program of one policy version (or only the policy's and the library's
    codes, when the decision names no version)."""

    def __init__(self, policy: Policy | None, program: Program | None = None):
        self.policy, self.program = policy, program
        self._rules = {rule.name.path: CodeLabel(rule.label, rule.label_en, rule.clause)
                       for rule in (program.rules() if program is not None else ())}
        self._deadlines: dict[tuple[str, str], CodeLabel] = {}
        # a decision's benefit names its item and Chinese label, not the output stating it; an
        # open part names the output
        self._benefits: dict[tuple[str, str], CodeLabel] = {}
        self._open_benefits: dict[tuple[str, str], CodeLabel] = {}
        for output in program.outputs if program is not None else ():
            rule = output.rule
            for d in output.deadlines:
                self._deadlines[rule.id, d.action] = CodeLabel(d.label, d.label_en, rule.clause)
            for b in output.benefits:
                label = CodeLabel(b.label, b.label_en, rule.clause)
                self._benefits[b.item, b.label] = self._open_benefits[rule.name.path, b.item] = label
        self._parameters = {p.name: CodeLabel(p.label, p.label_en) for p in (program.parameters if program else ())}
        self._defaults = {d.fact: CodeLabel(d.label, d.label_en, d.clause)
                          for d in (program.defaults if program is not None else ())}
        self._codes = {section: policy.code_labels(section) for section in CODE_SECTIONS} if policy else {}

    def code(self, section: str, code: str) -> CodeLabel | None:
        """A code of the policy's ``codes:`` (flags, funding_sources, departments) or of the
        library (outcomes, payments, premium_sources, reason_codes, open_deadline_codes)."""
        found = self._codes.get(section, {}).get(code)
        return found if found is not None else LIBRARY_CODES.get(section, {}).get(code)

    def rule(self, path: str) -> CodeLabel | None:
        """A rule by its path (``categories.dibao``)."""
        return self._rules.get(path)

    def deadline(self, rule: str, action: str) -> CodeLabel | None:
        return self._deadlines.get((rule, action))

    def deadline_action(self, action: str) -> CodeLabel | None:
        """A deadline by its action alone (the first rule that sets it)."""
        return next((label for (_, code), label in self._deadlines.items() if code == action), None)

    def benefit(self, item: str, label: str) -> CodeLabel | None:
        """A tier benefit item by its code and Chinese label (as a decision carries it)."""
        return self._benefits.get((item, label))

    def part(self, part: str, rule: str) -> CodeLabel | None:
        """An open part of a decision (``flags.rural``, ``deadlines.submit_card_data``,
        ``tier.benefits.x``, ``categories.dibao``, ``subsidy.funding_source``) in words;
        ``rule`` is the path of the rule that leaves it open (an output, or a category whose
        facts are missing)."""
        section, _, code = part.partition(".")
        if section == "flags":
            return self.code("flags", code)
        if section == "deadlines":
            return self.deadline(rule.partition(".")[2], code) or self.deadline_action(code)
        if part.startswith("tier.benefits."):
            item = part.removeprefix("tier.benefits.")
            return self._open_benefits.get((rule, item)) or next(
                (label for (_, name), label in self._open_benefits.items() if name == item), None)
        return self.rule(part) or LIBRARY_CODES["decision_parts"].get(part)

    def default(self, fact: str) -> CodeLabel | None:
        """The default the text sets for a fact the request left out."""
        return self._defaults.get(fact)

    def parameter(self, name: str) -> CodeLabel | None:
        return self._parameters.get(name)



def vocabulary(decision: Decision, policies: PolicySet | Policy | None = None) -> Vocabulary:
    """The labels for ``decision``: its city's policy (bundled unless ``policies`` is given),
    the version that decided and the program asked for."""
    if isinstance(policies, Policy):
        policy: Policy | None = policies if policies.city == decision.city else None
    else:
        if policies is None:
            from . import bundled_policies
            policies = bundled_policies()
        policy = policies.get(decision.city)
    program = None
    if policy is not None and decision.policy is not None:
        version = policy.version(decision.policy.version)
        program = version.program(decision.program) if version is not None else None
    return Vocabulary(policy, program)


def labels(decision: Decision, lang: str = "zh", policies: PolicySet | Policy | None = None
           ) -> dict[str, dict[str, str]]:
    """The label in ``lang`` (``zh`` or ``en``) of every code ``decision`` carries, by section.

    Sections (present when the decision carries such a code): ``outcomes``, ``categories``,
    ``flags``, ``funding_sources``, ``payments``, ``premium_sources``, ``departments``
    (``referred_to``), ``deadline_actions``, ``open_deadline_codes``, ``benefit_items``,
    ``reason_codes``, ``benefit_notes``, ``rules`` (the rule of each reason, by its path) and
    ``decision_parts`` (an open part that is not a flag, deadline, benefit or category, e.g.
    ``tier.level``); the codes of open parts (``open[]``) are labelled in their sections. Labels
    come from the decision's policy (the bundled one unless ``policies`` is given) and the library.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: use zh or en")
    words = vocabulary(decision, policies)
    out: dict[str, dict[str, str]] = {}

    def put(section: str, code: str | None, label: CodeLabel | None) -> None:
        if code is not None and label is not None:
            out.setdefault(section, {})[code] = label[lang]

    put("outcomes", decision.outcome, words.code("outcomes", decision.outcome))
    for category in decision.categories:
        put("categories", category.id, words.rule(f"categories.{category.id}"))
    for flag in decision.flags:
        put("flags", flag, words.code("flags", flag))
    if decision.subsidy is not None:
        subsidy = decision.subsidy
        put("funding_sources", subsidy.funding_source, subsidy.funding_source and words.code("funding_sources",
                                                                                            subsidy.funding_source))
        put("payments", subsidy.payment, subsidy.payment and words.code("payments", subsidy.payment))
        put("premium_sources", subsidy.premium_source,
            subsidy.premium_source and words.code("premium_sources", subsidy.premium_source))
    put("benefit_notes", decision.benefit_note, decision.benefit_note and words.code("benefit_notes",
                                                                                     decision.benefit_note))
    put("departments", decision.referred_to, decision.referred_to and words.code("departments", decision.referred_to))
    for deadline in (*decision.deadlines, *decision.open_deadlines):
        put("deadline_actions", deadline.action, words.deadline(deadline.rule, deadline.action))
    for open_deadline in decision.open_deadlines:
        put("open_deadline_codes", open_deadline.code, words.code("open_deadline_codes", open_deadline.code))
    for benefit in decision.tier.benefits if decision.tier else ():
        put("benefit_items", benefit.item, words.benefit(benefit.item, benefit.label))
    for part in decision.open:  # a flag, deadline or benefit left open is a code the decision carries too
        section, _, code = part.part.partition(".")
        label = words.part(part.part, part.rule)
        if section == "flags":
            put("flags", code, label)
        elif section == "deadlines":
            put("deadline_actions", code, label)
        elif part.part.startswith("tier.benefits."):
            put("benefit_items", part.part.removeprefix("tier.benefits."), label)
        elif section == "categories":
            put("categories", code, label)
        else:
            put("decision_parts", part.part, label)
    for reason in decision.reasons:
        put("reason_codes", reason.code, words.code("reason_codes", reason.code))
        put("rules", reason.rule, words.rule(reason.rule))
    return out


def _entry(code: str, label: CodeLabel, **more: Any) -> dict[str, Any]:
    return {"code": code, "label": label.zh, "label_en": label.en, **({"clause": label.clause} if label.clause else {}),
            **more}


def policy_codes(policy: Policy) -> dict[str, list[dict[str, Any]]]:
    """Every code of ``policy`` and of the library, each with ``label`` (Chinese) and
    ``label_en``: the policy's ``codes:`` sections, then the library's (outcomes, payments,
    premium sources, reason codes, open-deadline codes). Categories, deadline actions and
    benefit items are listed per program (they belong to a version)."""
    out = {section: [_entry(code, label) for code, label in policy.code_labels(section).items()]
           for section in CODE_SECTIONS}
    out.update({section: [_entry(code, label) for code, label in table.items()]
                for section, table in LIBRARY_CODES.items()})
    return out


def program_codes(program: Program) -> dict[str, list[dict[str, Any]]]:
    """A program's own codes with both labels: its categories, deadline actions and benefit items."""
    words = Vocabulary(None, program)
    deadlines = [_entry(d.action, words.deadline(o.rule.id, d.action), rule=o.rule.id)  # type: ignore[arg-type]
                 for o in program.outputs for d in o.deadlines]
    benefits = [_entry(b.item, CodeLabel(b.label, b.label_en, o.rule.clause), rule=o.rule.id)
                for o in program.outputs for b in o.benefits]
    return {"categories": [_entry(r.id, CodeLabel(r.label, r.label_en, r.clause)) for r in program.categories],
            "deadline_actions": deadlines, "benefit_items": benefits}
