"""pytest plugin: each case in a ``*.cases.yaml`` file is a test item named by its sentence.

Registered through the ``pytest11`` entry point, so installing the library is enough.
A failure shows expected versus actual, the clause the case checks, the trace steps that
decided and the case's file and line, without a Python traceback. Settings (ini):

- ``eligibility_case_suffix``: the file-name ending of case files (default ``.cases.yaml``);
- ``eligibility_policies``: a policy directory, relative to the rootdir, to run the cases
  against (default: the bundled policies).
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from ..errors import EligibilityError, PolicyError
from ._cases import LoadedCase, load_case_file
from ._runner import DEFAULT_SUFFIX, CaseResult, check_case, format_failure

SUFFIX_OPTION = "eligibility_case_suffix"
POLICIES_OPTION = "eligibility_policies"
_POLICIES = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(SUFFIX_OPTION, f"file-name ending of YAML policy case files (default {DEFAULT_SUFFIX})",
                  default=DEFAULT_SUFFIX)
    parser.addini(POLICIES_OPTION, "policy directory the YAML cases run against, relative to the rootdir "
                                   "(default: the bundled policies)", default="")


def pytest_collect_file(file_path: Any, parent: pytest.Collector) -> pytest.Collector | None:
    suffix = parent.config.getini(SUFFIX_OPTION) or DEFAULT_SUFFIX
    if file_path.name.endswith(suffix):
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFailure(Exception):
    """A case whose decision differs from its expectation (or could not be evaluated)."""

    def __init__(self, result: CaseResult):
        super().__init__(result.loaded.case.name)
        self.result = result


class CaseFile(pytest.File):
    """A YAML case file; a malformed one is a collection error located by file and line."""

    def collect(self) -> Iterator["CaseItem"]:
        try:
            cases = load_case_file(self.path)
        except PolicyError as exc:
            raise self.CollectError(f"invalid case file:\n{exc}") from None
        seen: dict[str, int] = {}
        for loaded in cases:
            name = loaded.case.name
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:  # two cases with one sentence: keep both runnable, distinctly named
                name = f"{name} ({seen[name]})"
            yield CaseItem.from_parent(self, name=name, loaded=loaded)


class CaseItem(pytest.Item):
    """One case: evaluates its request and compares the parts of the decision it lists."""

    def __init__(self, *, loaded: LoadedCase, **kwargs: Any):
        super().__init__(**kwargs)
        self.loaded = loaded

    def runtest(self) -> None:
        result = check_case(self.loaded, _policies(self.config))
        if not result.passed:
            raise CaseFailure(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailure):
            return format_failure(excinfo.value.result)
        if isinstance(excinfo.value, EligibilityError):  # the policies under test do not load
            return f"{self.loaded.location}: {self.loaded.case.name}\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        line = self.loaded.line - 1 if self.loaded.line is not None else None
        return self.path, line, f"{self.loaded.policy}: {self.name}"


def _policies(config: pytest.Config) -> Any:
    """The policies cases run against, loaded once per session (None: the bundled ones)."""
    if _POLICIES not in config.stash:
        directory = config.getini(POLICIES_OPTION)
        if directory:
            from .. import load_policies

            config.stash[_POLICIES] = load_policies(config.rootpath / directory)
        else:
            config.stash[_POLICIES] = None
    return config.stash[_POLICIES]
