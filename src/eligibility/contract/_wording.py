"""The request's words in Chinese and English: status attributes and their values, schemes,
and the phrases condition sentences (``language.kinds``) are built from. A status kind is
named by ``STATUS_NAMES`` and a missing fact asked for by ``question`` (``_questions``).
"""

from __future__ import annotations

from typing import Any

from ._labels import CodeLabel, _table
from ._questions import STATUS_NAMES


ATTRIBUTE_LABELS: dict[str, CodeLabel] = _table(
    kind=("身份类别", "kind"),
    since=("取得身份日期", "date granted"),
    until=("身份终止日期", "last day held"),
    approved_by=("审批地区", "approving region"),
    area=("城乡属性", "rural or urban"),
    care=("供养方式", "care arrangement"),
    institution=("供养机构", "care institution"),
    allowance=("享受孤儿基本生活费", "receives the orphans' basic living allowance"),
    unable_to_pay=("确实无力缴费", "truly unable to pay"),
    poverty_exit=("脱贫状态", "poverty exit"),
    disease=("病种", "disease"),
    grade=("残疾等级", "disability grade"),
    type=("残疾类别", "disability type"),
    certificate_valid_until=("残疾人证有效期至", "disability certificate valid until"),
    lost_work_capacity=("丧失劳动能力", "lost the capacity to work"),
    key=("重点优抚对象", "key entitled person"),
    plan=("计生优待类别", "family planning category"),
    honour_certificate=("持有《独生子女父母光荣证》", "holds the Only-Child Parents' Honour Certificate"),
    child_disability_grade=("独生子女伤残等级", "disability grade of the only child"),
    cannot_have_another_child=("不能再生育或合法收养子女", "cannot have or lawfully adopt another child"),
    woman_birth_date=("女方出生日期", "birth date of the woman of the couple"),
    placed_by=("安置机构级别", "level of the placing institution"),
    **{"class": ("优抚类别", "entitled group class")},
)

_GRADES = {n: CodeLabel(f"{'一二三四'[n - 1]}级", str(n)) for n in (1, 2, 3, 4)}
_YES_NO = {True: CodeLabel("是", "yes"), False: CodeLabel("否", "no")}
_AREA = _table(rural=("农村", "rural"), urban=("城镇", "urban"))

# attribute -> value -> labels (booleans: yes/no; numbers: grades and classes)
VALUE_LABELS: dict[str, dict[Any, CodeLabel]] = {
    "area": _AREA,
    "care": _table(dispersed=("分散供养", "dispersed (at home)"), centralized=("集中供养", "centralised (in an institution)")),
    "institution": _table(city_welfare_home=("市福利院", "city welfare home"),
                          county_welfare_home=("区县级福利院", "county welfare home"),
                          town_nursing_home=("镇（街道）敬老院", "town (subdistrict) home for the elderly")),
    "poverty_exit": _table(not_exited=("未脱贫", "not out of poverty"), exited=("已脱贫", "out of poverty"),
                           stable_exit=("稳定脱贫", "stably out of poverty")),
    "disease": _table(malignant_tumor_treatment=("恶性肿瘤治疗", "treatment of a malignant tumour"),
                      chronic_renal_failure_dialysis=("慢性肾功能衰竭透析", "dialysis for chronic renal failure"),
                      organ_transplant_antirejection=("器官移植抗排异治疗", "anti-rejection treatment after an organ "
                                                                         "transplant"),
                      hemophilia=("血友病", "haemophilia"), aplastic_anemia=("再生障碍性贫血", "aplastic anaemia"),
                      other=("其他", "other")),
    "grade": _GRADES,
    "child_disability_grade": _GRADES,
    "type": _table(visual=("视力残疾", "visual"), hearing=("听力残疾", "hearing"), speech=("言语残疾", "speech"),
                   physical=("肢体残疾", "physical"), intellectual=("智力残疾", "intellectual"),
                   mental=("精神残疾", "mental"), multiple=("多重残疾", "multiple")),
    "class": {n: CodeLabel(f"{'一二三'[n - 1]}类", str(n)) for n in (1, 2, 3)},
    "plan": _table(rural_only_child_parent=("农村独生子女父母", "parent of a rural only child"),
                   only_child=("独生子女", "only child"),
                   rural_two_daughters_sterilized=("农村纯生二女结扎户", "rural two-daughter couple with sterilisation"),
                   bereaved_only_child_parent=("独生子女死亡的父母", "parent whose only child died"),
                   disabled_only_child_parent=("独生子女伤残的父母", "parent whose only child is disabled")),
    "placed_by": _table(city=("市级", "city level"), county=("区县级", "county level")),
    "sex": _table(female=("女性", "female"), male=("男性", "male")),
    "paid_by": _table(self=("个人", "the person"), government=("政府", "the government")),
    "tier": {n: CodeLabel(f"{'一二'[n - 1]}档", f"tier {n}") for n in (1, 2)},
}
for _flag in ("allowance", "unable_to_pay", "lost_work_capacity", "key", "honour_certificate",
              "cannot_have_another_child", "student", "social_security_card"):
    VALUE_LABELS[_flag] = _YES_NO

SCHEME_LABELS: dict[str, CodeLabel] = _table(
    employee_medical=("城镇职工基本医疗保险", "urban employee basic medical insurance"),
    employee_pension=("城镇职工基本养老保险", "urban employee basic pension insurance"),
    resident_medical=("城乡居民基本医疗保险", "urban-rural resident basic medical insurance"),
)


def value_label(attribute: str, value: Any, lang: str) -> str:
    """A value of a request fact in words (``care``, ``dispersed`` → 分散供养); the value itself
    when it has no label."""
    label = VALUE_LABELS.get(attribute, {}).get(value)
    return label[lang] if label is not None else str(value)


# the four date comparisons in words: (zh, en)
COMPARE_WORDS: dict[str, tuple[str, str]] = {
    "before": ("早于", "before"), "on_or_before": ("不晚于", "on or before"),
    "after": ("晚于", "after"), "on_or_after": ("不早于", "on or after")}


def alternatives(words: Any, lang: str) -> str:
    """Alternatives in words: 低保或特困 / dibao, tekun or orphan."""
    words = [str(w) for w in words]
    if lang == "zh":
        return "或".join(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def age_words(at_least: int | None, under: int | None, lang: str) -> str:
    """An age range in words: 年满60周岁且未满70周岁 / aged 60 or over and under 70."""
    zh = lang == "zh"
    bounds = ([f"年满{at_least}周岁" if zh else f"aged {at_least} or over"] if at_least is not None else []) + (
        [f"未满{under}周岁" if zh else f"under {under}"] if under is not None else [])
    return ("且" if zh else " and ").join(bounds)


def status_words(kinds: Any, tests: Any, lang: str, *, on: str | None = None, since: Any = (),
                 certificate_valid: bool = False, woman_age: tuple[int | None, int | None] | None = None) -> str:
    """A status held, with its tests, in words: 在2019年12月31日持有低保身份（城乡属性为农村） /
    holds the status dibao on 31 December 2019 (rural or urban: rural). ``tests`` are
    (attribute, allowed values); ``since`` (comparison, date in words); ``on`` a date in words."""
    zh = lang == "zh"
    parts = [f"{ATTRIBUTE_LABELS[name][lang]}{'为' if zh else ': '}"
             f"{alternatives((value_label(name, v, lang) for v in sorted(values, key=str)), lang)}"
             for name, values in tests]
    if certificate_valid:
        parts.append("残疾人证在有效期内" if zh else "the disability certificate is valid")
    parts += [f"取得身份日期{COMPARE_WORDS[op][0]}{day}" if zh else f"granted {COMPARE_WORDS[op][1]} {day}"
              for op, day in since]
    if woman_age is not None:
        parts.append(("女方" if zh else "the woman of the couple is ") + age_words(*woman_age, lang))
    named = alternatives((STATUS_NAMES[kind][0 if zh else 1] for kind in kinds), lang)
    if zh:
        return (f"在{on}" if on else "") + f"持有{named}身份" + ("（" + "，".join(parts) + "）" if parts else "")
    return f"holds the status {named}" + (f" on {on}" if on else "") + (" (" + "; ".join(parts) + ")" if parts else "")
