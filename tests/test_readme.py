"""The README's Python snippet runs, and each commented line returns what its comment says."""

import ast
import re
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def test_the_readme_python_snippet_returns_what_its_comments_say():
    block = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S).group(1)
    namespace: dict = {}
    exec(block, namespace)  # noqa: S102 - the README's own code
    checked = 0
    for line in block.splitlines():
        code, sep, comment = line.partition("  # ")
        if not sep or line.startswith(" ") or re.match(r"^\w+ = ", code) or code.startswith("from "):
            continue
        expected = ast.literal_eval(comment.split(":")[0].split(" (")[0].strip())
        assert expected == eval(code, namespace), line  # noqa: S307
        checked += 1
    assert checked == 4


def test_the_readme_test_command_installs_the_extras_ci_installs():
    readme = re.search(r"pip install '(\.\[[a-z,]+\])' && \.venv/bin/pytest", README.read_text(encoding="utf-8"))
    ci_run = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    ci = re.search(r"pip\" install --quiet '(\.\[[a-z,]+\])'", ci_run)
    assert (".[test,server,batch,spark]", ".[test,server,batch,spark]") == (readme.group(1), ci.group(1))


def test_the_integration_guide_python_snippet_runs_and_says_what_it_returns():
    guide = README.parent / "docs" / "integration.md"
    block = re.search(r"```python\n(.*?)```", guide.read_text(encoding="utf-8"), re.S).group(1)
    namespace: dict = {}
    exec(block, namespace)  # noqa: S102 - the guide's own code
    decision = namespace["decision"]
    assert ("eligible", "320.00", False) == (decision.outcome, decision.subsidy.amount,
                                             '"trace"' in decision.to_json())
    assert "('eligible', '320.00')" in block
