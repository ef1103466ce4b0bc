"""The pytest plugin: YAML case files collected by suffix, one item per case, readable failures."""


CASES = """\
policy: shantou
defaults:
  request:
    as_of: 2021-09-20
    coverage_year: 2021
    person: {birth_date: 1970-05-01, hukou: {region: "440511", kind: urban}}
    parameters: {individual_premium: "320"}
cases:
  - name: A local dibao recipient is fully subsidised
    clause: 一(一)
    request: {person: {statuses: [{kind: dibao, since: 2021-01-10}]}}
    expect: {outcome: eligible, amount: "320.00"}

  - name: A local dibao recipient is deliberately expected to get 300 yuan
    clause: 一(一)
    request: {person: {statuses: [{kind: dibao, since: 2021-01-10}]}}
    expect:
      outcome: eligible
      amount: "300.00"
"""


def test_each_case_is_an_item_named_by_its_sentence(pytester):
    pytester.makefile(".cases.yaml", shantou=CASES)
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines([
        "shantou.cases.yaml::A local dibao recipient is fully subsidised",
        "shantou.cases.yaml::A local dibao recipient is deliberately expected to get 300 yuan",
    ])


def test_a_failure_shows_expected_actual_clause_trace_and_line_without_a_traceback(pytester):
    pytester.makefile(".cases.yaml", shantou=CASES)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*shantou.cases.yaml:14: A local dibao recipient is deliberately expected to get 300 yuan",
        "  case checks clause 一(一) of shantou",
        "  amount (line 19):",
        "    expected: '300.00'",
        "    actual:   '320.00'",
        "  decision: eligible, primary category dibao",
        "  decided by:",
        "*[[]一(一)[]] 最低生活保障对象 (categories.dibao)",
        "*status dibao*person.statuses[[]0[]].kind=dibao*",
        "*资助金额 (subsidy)*",
    ])
    assert "Traceback" not in result.stdout.str()
    assert "def runtest" not in result.stdout.str()


def test_files_without_the_suffix_are_not_collected(pytester):
    pytester.makefile(".yaml", shantou=CASES)
    result = pytester.runpytest()
    result.assert_outcomes()
    assert 5 == result.ret  # no tests collected


def test_the_suffix_is_an_ini_option(pytester):
    pytester.makefile(".case.yml", shantou=CASES)
    pytester.makeini("[pytest]\neligibility_case_suffix = .case.yml\n")
    pytester.runpytest().assert_outcomes(passed=1, failed=1)


def test_a_malformed_case_file_is_a_collection_error_with_its_line(pytester):
    pytester.makefile(".cases.yaml", broken=CASES.replace("    clause: 一(一)\n", "    clase: 一(一)\n", 1))
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*broken.cases.yaml:9:5: cases[[]0].clause: Field required*",
                                 "*broken.cases.yaml:10:5: cases[[]0].clase: *"])
    assert "Traceback" not in result.stdout.str()


def test_an_invalid_request_in_a_case_fails_with_the_field_path(pytester):
    pytester.makefile(".cases.yaml", shantou=CASES.replace("since: 2021-01-10}]}}\n    expect: {outcome",
                                                           "since: 2021-01-10}], sex: x}}\n    expect: {outcome", 1))
    result = pytester.runpytest()
    result.assert_outcomes(passed=0, failed=2)
    result.stdout.fnmatch_lines(["*the request could not be evaluated:*", "*person.sex*"])


def test_cases_run_against_the_policies_the_ini_names(pytester):
    from eligibility.language import bundled_policy_dir

    policies = pytester.mkdir("policies")
    text = (bundled_policy_dir() / "shantou.yaml").read_text(encoding="utf-8")
    (policies / "shantou.yaml").write_text(text.replace('share: "1"', 'share: "0.5"', 1), encoding="utf-8")
    pytester.makefile(".cases.yaml", shantou=CASES)
    pytester.makeini("[pytest]\neligibility_policies = policies\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=0, failed=2)
    result.stdout.fnmatch_lines(["*actual:   '160.00'"])


def test_every_bundled_case_file_is_named_for_the_plugin():
    """The plugin collects tests/cases/*.cases.yaml; a case file under another name would never run."""
    from pathlib import Path

    cases = Path(__file__).parent / "cases"
    names = sorted(p.name for p in cases.glob("*.yaml"))
    assert names and [n for n in names if not n.endswith(".cases.yaml")] == []
