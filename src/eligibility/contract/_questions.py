"""The question a clerk asks for each fact a request may leave out, in Chinese and English.

Keyed by the fact's path with indexes left out (``person.statuses[].area``); a status's
question names the status (``该低保身份…``), found from the request.
"""

from __future__ import annotations

import re
from typing import Any

from ._facts import fact_pattern

# kind -> (Chinese, English) names of a status, as a clerk says them
STATUS_NAMES: dict[str, tuple[str, str]] = {
    "dibao": ("低保", "minimum living allowance (dibao)"),
    "tekun": ("特困供养", "extreme-poverty support (tekun)"),
    "orphan": ("孤儿", "orphan"),
    "de_facto_unsupported_child": ("事实无人抚养儿童", "de facto unsupported child"),
    "distressed_child": ("困境儿童", "child in distress"),
    "registered_poor": ("建档立卡贫困人员", "registered poor person"),
    "low_income_household": ("低收入家庭", "low-income household"),
    "serious_illness": ("重病患者", "serious illness"),
    "disability": ("残疾人", "disability"),
    "entitled_group": ("优抚对象", "entitled group (veterans' benefits)"),
    "family_planning": ("计划生育家庭", "family-planning household"),
    "settled_vagrant": ("安置的流浪乞讨人员", "settled vagrant"),
    "disabled_parent": ("残疾父母", "disabled parent"),
}

# path pattern -> (Chinese, English); ``{status}`` is the status's name
QUESTIONS: dict[str, tuple[str, str]] = {
    "person.birth_date": ("出生日期是哪一天？", "What is the person's date of birth?"),
    "person.sex": ("性别是男还是女？", "Is the person male or female?"),
    "person.student": ("是否为全日制在校学生？", "Is the person a full-time student?"),
    "person.social_security_card": ("是否已领取社会保障卡？", "Does the person hold a social security card?"),
    "person.hukou.region": ("户籍所在地是哪里（行政区划代码）？", "Where is the household registration (region code)?"),
    "person.hukou.kind": ("户籍是农村户口还是城镇户口？", "Is the household registration rural or urban?"),
    "person.statuses[].area": ("该{status}身份属于农村还是城镇？", "Is the {status} status rural or urban?"),
    "person.statuses[].care": ("该{status}是分散供养还是集中供养？",
                               "Is the {status} person supported at home (dispersed) or in an institution?"),
    "person.statuses[].institution": ("集中供养在哪一类机构（福利院、敬老院等）？",
                                      "In which kind of institution is the person supported?"),
    "person.statuses[].allowance": ("是否领取孤儿基本生活费？", "Does the orphan receive the basic living allowance?"),
    "person.statuses[].grade": ("{status}残疾等级是几级？", "What is the disability grade ({status})?"),
    "person.statuses[].type": ("{status}残疾类别是什么？", "What is the type of disability ({status})?"),
    "person.statuses[].certificate_valid_until": ("残疾人证有效期至哪一天？",
                                                  "Until what date is the disability certificate valid?"),
    "person.statuses[].lost_work_capacity": ("是否丧失劳动能力？", "Has the person lost the capacity to work?"),
    "person.statuses[].key": ("是否为重点优抚对象？", "Is the person a key entitled person (重点优抚对象)?"),
    "person.statuses[].class": ("属于哪一类优抚对象？", "Which class of entitled group does the person belong to?"),
    "person.statuses[].plan": ("计划生育家庭属于哪一类（独生子女、两女户等）？",
                               "Which kind of family-planning household is it (one child, two daughters, ...)?"),
    "person.statuses[].honour_certificate": ("是否持有《独生子女父母光荣证》？",
                                             "Does the couple hold the one-child parents' honour certificate?"),
    "person.statuses[].cannot_have_another_child": ("是否已不能再生育？", "Can the couple no longer have another child?"),
    "person.statuses[].woman_birth_date": ("女方出生日期是哪一天？", "What is the woman's date of birth?"),
    "person.statuses[].child_disability_grade": ("子女残疾等级是几级？", "What is the child's disability grade?"),
    "person.statuses[].poverty_exit": ("是否已脱贫（稳定脱贫或脱贫不稳定）？",
                                       "Has the person exited poverty (stably, or not yet stably)?"),
    "person.statuses[].unable_to_pay": ("是否确实无力缴纳个人缴费？",
                                        "Is the person really unable to pay the individual contribution?"),
    "person.statuses[].placed_by": ("由哪一级民政部门安置？", "Which civil-affairs level placed the person?"),
    "person.statuses[].disease": ("患的是哪一种重病？", "Which serious illness does the person have?"),
    "person.statuses[].approved_by": ("该{status}身份由哪里审批？", "Which region approved the {status} status?"),
    "person.statuses[].since": ("该{status}身份何时取得？", "Since when has the person held the {status} status?"),
    "person.statuses[].until": ("该{status}身份到哪一天终止？", "On what day did the {status} status end?"),
    "person.enrollments[].paid_by": ("该年度参保费用由谁缴纳？", "Who paid the enrolment for that year?"),
    "person.enrollments[].paid_on": ("该年度参保费用于哪一天缴纳？", "On what day was the enrolment for that year paid?"),
    "choices.tier": ("选择一档还是二档缴费？", "Does the person choose tier 1 or tier 2?"),
    "choices.pension_grade": ("选择哪一个养老保险缴费档次（元/年）？",
                              "Which pension contribution grade (yuan a year) does the person choose?"),
    "as_of_time": ("受理时间是几点（是否在截止时刻前）？", "At what time was the application received?"),
    # facts a request always carries or the engine derives, asked for all the same (issue 15: a
    # question for every fact a condition can read)
    "as_of": ("申请日期是哪一天？", "On what date is the application made?"),
    "coverage_year": ("申请的是哪一个参保年度？", "For which coverage year is the application?"),
    "status_date": ("身份按哪一天认定（申请日，或本年度参保缴费之日）？",
                    "On what day are the statuses judged (the application date, or the day this year's enrolment "
                    "was paid)?"),
    "categories": ("属于哪些资助类别？", "Which categories does the person belong to?"),
    "person.statuses[].kind": ("持有的是哪一类困难身份？", "Which kind of hardship status does the person hold?"),
    "person.enrollments[].year": ("城乡居民医保参保记录是哪一年度的？",
                                  "For which year is the resident medical insurance enrolment?"),
    "person.enrollments[].from": ("职工保险从哪一天开始参保？", "From what date did the employee insurance run?"),
    "person.enrollments[].to": ("职工保险到哪一天终止（仍在参保则不填）？",
                                "On what date did the employee insurance end (none if still insured)?"),
    "person.enrollments[].region": ("职工保险在哪个地区参保（行政区划代码）？",
                                    "In which region (code) was the employee insurance held?"),
}

_INDEX = re.compile(r"\[([0-9]+)\]")


def question(path: str, lang: str = "zh", request: Any = None) -> str:
    """The question that asks for the fact at ``path`` (``lang``: ``zh`` or ``en``); with the
    request, a status's question names its kind."""
    pattern = fact_pattern(path)
    texts = QUESTIONS.get(pattern)
    if texts is None:
        texts = (f"请提供 {path}。", f"Please give {path}.")
    text = texts[0 if lang == "zh" else 1]
    if "{status}" in text:
        name = _status_name(path, request, lang)
        text = " ".join(text.format(status=name).split())
    return text


def _status_name(path: str, request: Any, lang: str) -> str:
    found = _INDEX.search(path)
    if request is not None and found is not None and path.startswith("person.statuses"):
        statuses = request.person.statuses
        index = int(found.group(1))
        if index < len(statuses):
            names = STATUS_NAMES.get(statuses[index].kind)
            if names:
                return names[0 if lang == "zh" else 1]
    return ""


__all__ = ["QUESTIONS", "STATUS_NAMES", "question"]
