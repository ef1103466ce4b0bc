"""The impact of the four issue-13 reforms over a fixed synthetic population
(tests/reforms/population.jsonl: `eligibility population --city shantou --size 500 --seed 13`
with 5% children in distress and no premium supplied), the attribution rule by rule, the
text, JSON and HTML reports, and synthetic populations."""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest

from eligibility import load_policy
from eligibility.cli import main
from eligibility.impact import impact
from eligibility.population import read_population
from eligibility.impact_render import format_impact, impact_html
from eligibility.population import Marginals, population

ROOT = Path(__file__).resolve().parents[1]
REFORMS = ROOT / "tests" / "reforms"
POPULATION = REFORMS / "population.jsonl"


def people(premium: str | None = "320"):
    """The fixed population, each request supplying ``premium`` (a figure of the population, not the text's)."""
    for line, request in read_population(POPULATION):
        yield line, {**request, "parameters": {"individual_premium": premium}} if premium else request


@pytest.fixture(scope="module")
def base():
    return load_policy(ROOT / "policies" / "shantou.yaml")


def run(base, name, premium="320"):
    return impact(base, load_policy(REFORMS / f"{name}.yaml"), people(premium))


def test_the_elderly_age_raised_to_65_from_2024(base):
    report = run(base, "shantou_elderly_65")
    assert {"not_eligible -> not_eligible": 297, "eligible -> eligible": 202, "eligible -> not_eligible": 1} == \
        report.transitions
    assert ("64960.00", "-320.00") == (report.subsidy["before"], report.subsidy["change"])
    assert (0, 1) == (report.distribution["winners"], report.distribution["losers"])
    assert [("categories.low_income_household", "一(六)", "result", 1)] == [
        (a["rule"], a["clause"], a["change"], a["people"]) for a in report.attribution]
    (example,) = report.examples
    assert example.attribution[0].redefined   # the rule reads a parameter the reform changed


def test_the_december_deadline_moved_is_attributed_to_the_rule_that_sets_it(base):
    report = run(base, "shantou_december_deadline")
    assert {"not_eligible -> not_eligible": 297, "eligible -> eligible": 203} == report.transitions
    assert (38, "0.00") == (report.changed, report.subsidy["change"])
    assert [("outputs.batch_december", "三(一)", "date", 38)] == [
        (a["rule"], a["clause"], a["change"], a["people"]) for a in report.attribution]
    assert {"submit_city_summary moved": 38, "submit_county_list moved": 38} == report.codes["deadlines"]
    moved = report.examples[0].attribution[0]
    assert any(due.startswith("submit_county_list") and due.endswith("-12-05") for due in moved.before)
    assert any(due.startswith("submit_county_list") and due.endswith("-12-15") for due in moved.after)


def test_a_380_yuan_premium_from_2024_costs_380_per_eligible_person_of_those_years(base):
    report = run(base, "shantou_premium_380", premium=None)
    assert {"not_eligible -> not_eligible": 297, "eligible -> eligible": 203} == report.transitions
    assert ("0", "27360.00", 203, 131) == (report.subsidy["before"], report.subsidy["change"],
                                          report.subsidy["eligible_amount_unknown_before"],
                                          report.subsidy["eligible_amount_unknown_after"])
    assert 27360 == 380 * 72 and (72, 0) == (report.distribution["winners"], report.distribution["losers"])
    assert {"medical_assistance_fund": {"before": "0", "after": "22420.00", "change": "22420.00"},
            "welfare_lottery_fund": {"before": "0", "after": "4940.00", "change": "4940.00"}} == report.by_funding_source
    assert (59, 13) == (22420 // 380, 4940 // 380)
    assert [("parameters.individual_premium", "amount", 72)] == [
        (a["rule"], a["change"], a["people"]) for a in report.attribution]


def test_a_new_category_of_children_in_distress(base):
    report = run(base, "shantou_distressed_child")
    assert {"not_eligible -> not_eligible": 250, "eligible -> eligible": 203, "not_eligible -> eligible": 47} == \
        report.transitions
    assert ("15040.00", 47) == (report.subsidy["change"], report.distribution["winners"])
    assert 15040 == 47 * 320
    top = report.attribution[0]
    assert ("categories.distressed_child", "一", "added", 79) == (top["rule"], top["clause"], top["change"],
                                                                 top["people"])
    assert {"before": 0, "after": 47} == report.per_category["distressed_child"]
    newly = [e for e in report.examples if e.transition == "not_eligible -> eligible"]
    # an outcome that flips is attributed to the procedure's rule, not to every output that follows
    assert newly and all([a.rule for a in e.attribution] == ["categories.distressed_child"] for e in newly)


def test_a_parallel_run_counts_the_same(base, tmp_path, monkeypatch):
    import os

    from eligibility import impact as module
    reform = load_policy(REFORMS / "shantou_distressed_child.yaml")
    one = impact(base, reform, people())
    monkeypatch.setattr(module, "CHUNK", 100)   # 500 people: five chunks to share out
    add_chunk = module._Tally.add_chunk

    def noting(self, *args):   # each process that tallies a chunk leaves its pid
        (tmp_path / str(os.getpid())).touch()
        return add_chunk(self, *args)
    monkeypatch.setattr(module._Tally, "add_chunk", noting)
    two = impact(base, reform, people(), workers=2)
    assert (one.transitions, one.subsidy, one.attribution) == (two.transitions, two.subsidy, two.attribution)
    assert (one.people, one.changed, one.codes) == (two.people, two.changed, two.codes)
    pids = {int(path.name) for path in tmp_path.iterdir()}
    assert pids and os.getpid() not in pids   # the chunks were tallied in forked workers


class _Balanced(HTMLParser):
    """Checks every element is closed in order (void elements aside)."""

    VOID = {"meta", "br", "img", "input", "link", "hr", "rect"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.charts = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            self.charts.append(dict(attrs).get("data-chart"))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()


def test_the_html_report_is_well_formed_and_carries_the_figures(base):
    report = run(base, "shantou_distressed_child")
    page = impact_html(report)
    parser = _Balanced()
    parser.feed(page)
    assert ([], []) == (parser.errors, parser.stack)
    assert ["transitions", "amounts", "categories", "attribution"] == parser.charts
    assert 'id="changed">79<' in page and 'id="cost">15040.00<' in page and "<script" not in page
    assert "categories.distressed_child" in page and "not_eligible -&gt; eligible" in page


def test_the_impact_command_writes_text_json_and_html(tmp_path, capsys, arrow_allocator_kept):
    html = tmp_path / "report.html"
    args = ["impact", "shantou", str(REFORMS / "shantou_december_deadline.yaml"), "--population", str(POPULATION)]
    assert 0 == main(args + ["--html", str(html)])
    text = capsys.readouterr().out
    assert "outputs.batch_december [三(一)] date: 38" in text and html.read_text(encoding="utf-8").startswith("<!DOCTYPE")
    assert 0 == main(args + ["--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert (500, 38) == (data["people"], data["changed"]) and "synthetic_note" in data
    assert "#" in data["examples"][0]["person"] and "id_number" not in json.dumps(data)
    assert "system" == os.environ["ARROW_DEFAULT_MEMORY_POOL"]   # as `eligibility batch`: the C library's allocator


def test_text_report_names_transitions_cost_and_rules(base):
    text = format_impact(run(base, "shantou_elderly_65"))
    assert "eligible -> not_eligible" in text and "-320.00" in text and "categories.low_income_household [一(六)]" in text


def test_a_synthetic_population_is_seeded_valid_and_follows_its_marginals(base):
    marginals = Marginals(statuses={"distressed_child": 0.5}, local_hukou=1.0, parameters="drop")
    first = list(population(base, 60, seed=3, marginals=marginals))
    assert first == list(population(base, 60, seed=3, marginals=marginals))
    assert all(r["person"]["hukou"]["region"].startswith("4405") for r in first)
    assert all("id_number" not in r["person"] and "parameters" not in r for r in first)
    held = sum(any(s["kind"] == "distressed_child" for s in r["person"]["statuses"]) for r in first)
    assert 15 <= held <= 45
    report = impact(base, base, enumerate(first, 1))
    assert (60, 0, 0) == (report.people, report.refused, report.changed)


def test_the_population_command_labels_its_output_synthetic(capsys):
    assert 0 == main(["population", "--city", "shantou", "--size", "5", "--seed", "2"])
    captured = capsys.readouterr()
    assert 5 == len(captured.out.splitlines()) and "synthetic" in captured.err


def test_a_line_that_is_not_a_request_is_refused_not_fatal(base, tmp_path):
    population_file = tmp_path / "people.jsonl"
    good = POPULATION.read_text(encoding="utf-8").splitlines()[0]
    population_file.write_text(f"{good}\n{{not json\n{json.dumps({'city': 'shantou'})}\n", encoding="utf-8")
    report = impact(base, load_policy(REFORMS / "shantou_elderly_65.yaml"),
                    read_population(population_file, parsed=False))
    assert (1, 2) == (report.people, report.refused)


@pytest.mark.parametrize("name,premium", [("shantou_december_deadline", "320"), ("shantou_premium_380", None)])
def test_a_reform_of_no_condition_is_attributed_without_traces_as_with_them(base, name, premium, monkeypatch):
    from eligibility import impact as module
    reform = load_policy(REFORMS / f"{name}.yaml")
    calls = {"traced": 0}
    evaluate = module.evaluate

    def counting(request, policy, *, trace=False):
        calls["traced"] += trace
        return evaluate(request, policy, trace=trace)
    monkeypatch.setattr(module, "evaluate", counting)
    quick = impact(base, reform, people(premium))
    quick_traced, calls["traced"] = calls["traced"], 0
    traced = impact(base, reform, people(premium), trace_every_change=True)
    assert traced.attribution == quick.attribution and traced.examples == quick.examples
    assert (traced.transitions, traced.subsidy, traced.codes) == (quick.transitions, quick.subsidy, quick.codes)
    # without traces only the examples were traced (each once under either policy); with them, every change
    assert quick_traced <= 2 * len(quick.examples) < 2 * quick.changed == calls["traced"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_csv_or_parquet_population_in_the_batch_layout_gives_the_jsonl_s_impact(base, tmp_path, suffix):
    pytest.importorskip("pyarrow")
    from eligibility.batch import write_population

    requests = [request for _, request in people()][:120]
    path = tmp_path / f"people{suffix}"
    write_population(requests, path)
    reform = load_policy(REFORMS / "shantou_distressed_child.yaml")
    from_table = impact(base, reform, read_population(path))
    from_jsonl = impact(base, reform, enumerate(requests, 1))
    assert (from_jsonl.people, from_jsonl.transitions, from_jsonl.subsidy, from_jsonl.attribution) == (
        from_table.people, from_table.transitions, from_table.subsidy, from_table.attribution)


def test_a_csv_population_s_ragged_row_is_refused_and_blank_lines_before_its_header_skipped(base, tmp_path):
    """As `eligibility batch` reads CSV: the header is the first line that is not blank, and a
    row of another number of cells than the header is refused (it was a traceback), as a line
    that is not JSON is; a file that is not UTF-8 is refused with the file named."""
    pytest.importorskip("pyarrow")
    import csv

    from eligibility.batch import write_population
    from eligibility.errors import EligibilityError

    requests = [request for _, request in people()][:20]
    path = tmp_path / "people.csv"
    write_population(requests, path)
    header, *rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    with open(path, "w", encoding="utf-8", newline="") as file:
        file.write("\n\n")
        csv.writer(file).writerows([header, *rows[:10], rows[10] + ["x"], rows[11][:3], *rows[12:]])
    reform = load_policy(REFORMS / "shantou_distressed_child.yaml")
    from_table = impact(base, reform, read_population(path))
    kept = requests[:10] + requests[12:]
    from_jsonl = impact(base, reform, enumerate(kept, 1))
    assert from_table.refused == from_jsonl.refused + 2 and from_table.transitions == from_jsonl.transitions
    # past the header's first 8 KiB, so that the rows' reading (not the header's) meets it
    good = ("\n".join(",".join(row) for row in [header, *rows]) + "\n").encode("utf-8")
    path.write_bytes(good * 20 + "陈某某".encode("gbk") + b"\n")
    assert len(good) * 20 > 8192
    with pytest.raises(EligibilityError, match=r"people\.csv: byte \d+: not UTF-8"):
        list(read_population(path))


@pytest.mark.parametrize("name", ["shantou_elderly_65", "shantou_premium_380", "shantou_distressed_child",
                                  "shantou_december_deadline"])
@pytest.mark.parametrize("premium", ["320", None])
def test_the_columnar_screen_changes_no_figure_of_an_impact(base, name, premium, monkeypatch):
    """The people the columnar screen finds unchanged are tallied from columns; the report is
    the one comparing every person one by one, figure for figure, examples and attribution
    included, with the premium supplied and without it (amounts unknown)."""
    pytest.importorskip("pyarrow")
    from eligibility import impact_screen

    from eligibility.impact import _Tally

    reform = load_policy(REFORMS / f"{name}.yaml")
    compared = []
    one = _Tally.add
    monkeypatch.setattr(_Tally, "add", lambda self, line, *rest: (compared.append(line), one(self, line, *rest)))
    screened = impact(base, reform, people(premium)).to_dict()
    # only the people the columns cannot vouch for went one by one: those who change, and a few more
    assert screened["changed"] <= len(compared) < screened["people"] // 2
    monkeypatch.setattr(impact_screen, "available", lambda: False)
    one_by_one = impact(base, reform, people(premium)).to_dict()
    assert one_by_one == screened


ZHENGZHOU_BENEFITS = """\
reform: zz_benefits
base: zhengzhou
label: 补充保险期限延长（测算）
label_en: "Supplementary cover extended (a scenario)"
changes:
  - replace: outputs.supplementary_period
    with:
      benefits:
        - {item: supplementary_cover_start, label: 享受大病补充保险时间（起）, label_en: "Supplementary critical illness cover period (from)", value: "2020-01-01"}
        - {item: supplementary_cover_end, label: 享受大病补充保险时间（止）, label_en: "Supplementary critical illness cover period (to)", value: "2021-06-30"}
"""


def test_a_reform_of_tier_benefits_without_a_tier_level_is_compared_one_by_one(tmp_path, monkeypatch):
    """Zhengzhou's supplementary period gives benefits with no tier level: the decision
    columns do not hold them, so the screen must not count those people unchanged."""
    pytest.importorskip("pyarrow")
    import yaml

    from eligibility import impact_screen
    reform_file = tmp_path / "zz_benefits.yaml"
    reform_file.write_text(ZHENGZHOU_BENEFITS, encoding="utf-8")
    base, reform = load_policy(ROOT / "policies" / "zhengzhou.yaml"), load_policy(reform_file)
    request = json.loads(json.dumps(yaml.safe_load((ROOT / "examples" / "zhengzhou_rural_poor.yaml").read_text(
        encoding="utf-8")), default=str))
    people = [(line, request) for line in range(1, 4)]
    screened = impact(base, reform, people).to_dict()
    monkeypatch.setattr(impact_screen, "available", lambda: False)
    assert impact(base, reform, people).to_dict() == screened
    assert 3 == screened["changed"]
    assert {"+supplementary_cover_end": 3, "-supplementary_cover_end": 3} == screened["codes"]["tier_benefits"]
