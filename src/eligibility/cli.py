"""The eligibility command: evaluate requests, check policies, list them, export schemas, run cases, serve HTTP.

Exit codes: 0 when a decision (whatever it says) or a clean check is printed; 1 when a
YAML case fails (``eligibility test``) or lint finds something (``lint``, ``check``); 2 for an invalid request, an invalid policy or
case file, or a bad command line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Mapping

from . import PolicySet, __version__, bundled_policies, load_policies, load_policy
from .citations import check_citations
from .policy_docs import update_doc, update_kinds_doc
from .contract import MAX_REQUEST_BYTES, load_request_file, load_request_text, write_schemas
from .explain_text import render_explanation
from .render import render_text
from .errors import EligibilityError, PolicyError, RequestError
from .language import bundled_policy_dir, load_policy_files
from ._memory import frugal_memory
from .cli_analysts import COMMANDS as ANALYST_COMMANDS, add_commands as add_analyst_commands, policy_files


def build_parser() -> argparse.ArgumentParser:
    """The command line: every subcommand and option, each with its help."""
    parser = argparse.ArgumentParser(prog="eligibility", description=__doc__.splitlines()[0],
                                     epilog="Exit codes: 0 a decision or a clean check; 1 a failed YAML case; "
                                            "2 an invalid request, policy or command line.")
    parser.add_argument("--version", action="version", version=f"eligibility {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ev = sub.add_parser("evaluate", help="evaluate a request file (JSON or YAML)")
    ev.add_argument("file", help="request file, or - for standard input")
    ev.add_argument("--format", choices=("text", "json"), default="text",
                    help="text for people (default), or the decision as JSON (docs/schema/decision.json)")
    ev.add_argument("--policies", metavar="DIR", help="policy directory (default: the bundled policies)")
    ev.add_argument("--no-trace", action="store_true", help="leave the trace out (JSON: no trace key)")
    ev.add_argument("--what-if", action="store_true",
                    help="also show what the decision leaves to ask, the decision under each value of each "
                         "questioned fact, and the smallest changes that would make the person eligible")
    ev.add_argument("--lang", choices=("zh", "en"), default=None,
                    help="language of the text output: zh (Chinese) or en (English); default zh when the locale "
                         "(LC_ALL, LC_MESSAGES or LANG) is Chinese, else en")
    ev.add_argument("--trace", choices=("decisive", "full"), default="decisive", dest="trace_mode",
                    help="text output: decisive (default) shows only the steps that decided, full every step")

    ck = sub.add_parser("check", help="validate policy files (default: every bundled policy)")
    ck.add_argument("policy", nargs="*", help="policy files or directories")
    ck.add_argument("--sources", metavar="DIR",
                    help="also check every clause citation against the official texts in DIR "
                         "(the seeds, e.g. ../shared/seeds; not checked when absent)")

    ls = sub.add_parser("policies", help="list cities, versions and their windows")
    ls.add_argument("--policies", metavar="DIR", help="policy directory (default: the bundled policies)")

    sc = sub.add_parser("schema", help="write the request and decision JSON Schemas")
    sc.add_argument("--out", default="docs/schema", help="directory (default: docs/schema)")

    dc = sub.add_parser("docs", help="regenerate the rules tables in docs/policies/<city>.md")
    dc.add_argument("--out", default="docs/policies", help="directory (default: docs/policies)")
    dc.add_argument("--policies", metavar="DIR", help="policy directory (default: the bundled policies)")

    ts = sub.add_parser("test", help="run YAML policy cases: N passed, N failed (exit 1 on a failure)")
    ts.add_argument("paths", nargs="*", metavar="PATHS",
                    help="case files, policy files, or directories of either (default: ./policies and "
                         "./tests/cases); given only policies, their cases in tests/cases beside them")
    ts.add_argument("--verbose", "-v", action="store_true", help="print every case with its trace")
    ts.add_argument("--coverage", action="store_true",
                    help="report the categories, exclusions and outputs no case exercises (exit 1 if any)")
    ts.add_argument("--suffix", default=".cases.yaml",
                    help="file-name ending of case files in directories (default: .cases.yaml); files "
                         "with a top-level 'cases:' key are case files whatever their name")

    bt = sub.add_parser("batch", help="decide a file of requests into a file of decisions (JSONL, CSV, Parquet; "
                                      "needs the batch extra)")
    bt.add_argument("input", metavar="IN", help="requests: .jsonl (one request a line), .csv or .parquet "
                                                "(the column layout of docs/batch.md)")
    bt.add_argument("--out", required=True, metavar="OUT", help="decisions: .jsonl, .csv or .parquet")
    bt.add_argument("--policies", metavar="DIR", help="policy directory (default: the bundled policies)")
    bt.add_argument("--summary", metavar="FILE", help="also write the summary as JSON to FILE")
    bt.add_argument("--workers", type=int, metavar="N",
                    help="processes deciding slices of the file (default: 1; POSIX fork)")

    sv = sub.add_parser("serve", help="serve the HTTP API (needs the server extra: pip install 'eligibility[server]')")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    sv.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    sv.add_argument("--policies", metavar="DIR", help="policy directory (default: the bundled policies)")
    add_analyst_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except BrokenPipeError:
        # the reader stopped early (`eligibility ... | head`): not a failure; silence the
        # interpreter's own flush of stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except RequestError as exc:
        print(f"eligibility: {exc}", file=sys.stderr)
        return 2
    except PolicyError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except EligibilityError as exc:
        print(f"eligibility: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        # the library turns the path errors it knows into EligibilityErrors; this is the net
        # under the rest (a directory that vanished mid-run): a message, never a traceback
        where = f" {exc.filename}:" if exc.filename else ""
        print(f"eligibility:{where} {exc.strerror or exc}", file=sys.stderr)
        return 2


def _evaluate(args: argparse.Namespace) -> int:
    from . import evaluate

    if args.file == "-":
        request = load_request_text(sys.stdin.read(MAX_REQUEST_BYTES + 1), source="<stdin>")
    else:
        request = load_request_file(args.file)
    policies = _policies_for(request.city, args.policies)
    decision = evaluate(request, policies, trace=not args.no_trace)
    text = None if args.format == "json" else render_text(
        decision, lang=args.lang or locale_lang(), policies=policies, request=request,
        trace="none" if args.no_trace else args.trace_mode)
    if args.what_if:
        from . import explain

        explanation = explain(decision)
        if args.format == "json":
            print(json.dumps({"decision": json.loads(decision.to_json()),
                              "explanation": explanation.model_dump(mode="json")}, ensure_ascii=False, indent=2))
        else:
            print(f"{text}\n{render_explanation(explanation, decision, lang=args.lang or locale_lang(), policies=policies, request=request)}")
        return 0
    print(decision.to_json(indent=2) if text is None else text)
    return 0


def locale_lang(environ: Mapping[str, str] | None = None) -> str:
    """``zh`` when the locale is Chinese (the first of LC_ALL, LC_MESSAGES and LANG that is
    set starts with ``zh``), else ``en``."""
    environ = os.environ if environ is None else environ
    locale = next((environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(name)), "")
    return "zh" if locale.lower().startswith("zh") else "en"


def _policies_for(city: str, directory: str | None) -> PolicySet:
    """The policy of ``city`` alone when its file is there (one city to compile, not all),
    else the whole directory, so an unknown city is reported with the known ones."""
    folder = Path(directory) if directory else bundled_policy_dir()
    path = folder / f"{city}.yaml"
    if re.fullmatch(r"[a-z][a-z0-9_]*", city) and path.is_file():
        return PolicySet({city: load_policy(path)})
    return load_policies(directory) if directory else bundled_policies()


def _check(args: argparse.Namespace) -> int:
    if args.sources and not Path(args.sources).is_dir():
        print(f"eligibility: --sources {args.sources}: no such directory", file=sys.stderr)
        return 2
    from .analysis import lint

    files = policy_files(args.policy)
    failures = 0
    loaded = []
    for file in files:
        try:
            policy = load_policy(file)
        except PolicyError as exc:
            failures += 1
            print(str(exc), file=sys.stderr)
            continue
        if args.sources:
            # a reform's citations are its base's: the base file is checked against the text
            problems = check_citations(policy.reform.base_file if policy.reform is not None else file, args.sources)
            if problems:
                failures += 1
                print(str(PolicyError(problems)), file=sys.stderr)
                continue
        loaded.append(policy)
        checked = ", citations checked" if args.sources else ""
        kind = f"reform {policy.id} of {policy.city}" if policy.reform is not None else policy.city
        print(f"{file}: ok ({kind}, {len(policy.versions)} version(s), {len(policy.rules())} rules{checked})")
    if failures:
        return 2
    findings = [f for policy in loaded for f in lint(policy) if f.acknowledged is None]  # on what was loaded
    for finding in findings:  # lint: what loads may still leave a conflict or a rule silent
        print(f"lint: {finding}", file=sys.stderr)
    return 1 if findings else 0


def _policies(args: argparse.Namespace) -> int:
    policies = load_policies(args.policies) if args.policies else bundled_policies()
    for policy in policies:
        print(f"{policy.city}\t{policy.name}\t{policy.region}")
        for version in policy.versions:
            print(f"  {version.id}\t{version.effective_from} – {version.effective_to or 'open'}\t"
                  f"{version.document.number or version.document.title}\t"
                  f"programs: {', '.join(p.name for p in version.programs)}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    for path in write_schemas(Path(args.out), bundled_policies()):
        print(path)
    return 0


def _docs(args: argparse.Namespace) -> int:
    policies = load_policies(args.policies) if args.policies else bundled_policies()
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EligibilityError(f"cannot write to {out}: {exc.strerror or exc}") from None
    for policy in policies:
        doc = out / f"{policy.city}.md"
        print(f"{doc}: {'updated' if update_doc(policy, doc) else 'up to date'}")
    authoring = out.parent / "authoring.md"
    if authoring.exists():
        print(f"{authoring}: {'updated' if update_kinds_doc(authoring) else 'up to date'}")
    return 0


def _test(args: argparse.Namespace) -> int:
    from .testing import (check_case, format_coverage, format_failure, format_trace, law_coverage, load_case_file,
                          sort_files)

    paths = args.paths or [p for p in ("policies", "tests/cases") if Path(p).is_dir()]
    if not paths:
        print("eligibility: no case files here; give case files, policies or directories", file=sys.stderr)
        return 2
    case_files, policy_files = sort_files(paths, args.suffix)
    given = load_policy_files(policy_files) if policy_files else None
    policies = given or bundled_policies()
    cases = [case for file in case_files for case in load_case_file(file)]
    if given is not None:  # policies named: their cases only
        skipped = [case for case in cases if case.policy not in given.cities]
        cases = [case for case in cases if case.policy in given.cities]
        if skipped:
            print(f"skipped {len(skipped)} case(s) of policies not given: "
                  f"{', '.join(sorted({c.policy for c in skipped}))}")
    if not cases and not args.coverage:
        print(f"eligibility: no cases found in {', '.join(map(str, paths))}", file=sys.stderr)
        return 2
    results = [check_case(case, policies) for case in cases]
    for result in results:
        if args.verbose:
            print(f"{'PASSED' if result.passed else 'FAILED'} {result.loaded.location}: {result.loaded.case.name}")
            if result.decision is not None:
                print(format_trace(result.decision))
        if not result.passed:
            print(format_failure(result) + "\n")
    failed = sum(1 for r in results if not r.passed)
    uncovered = 0
    if args.coverage:
        cities = given.cities if given is not None else sorted({c.policy for c in cases})
        report = law_coverage([policies.get(c) for c in cities if policies.get(c) is not None],
                              [r.decision for r in results if r.decision is not None])
        uncovered = sum(len(p.unexercised) for p in report)
        print(format_coverage(report))
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed or uncovered else 0


def _batch(args: argparse.Namespace) -> int:
    frugal_memory()
    try:
        from . import batch
    except ImportError as exc:  # the core library does not need pyarrow
        print(f"eligibility: batch needs the batch extra (pip install 'eligibility[batch]'): {exc}", file=sys.stderr)
        return 2
    if not Path(args.input).is_file():
        print(f"eligibility: {args.input}: no such file", file=sys.stderr)
        return 2
    batch.format_of(args.input)
    policies = load_policies(args.policies) if args.policies else bundled_policies()
    bar = batch.progress_bar()
    summary = batch.run(args.input, args.out, policies, bar, workers=args.workers or 1)
    if bar is not None:
        print(file=sys.stderr)
    print(batch.summary_text(summary), file=sys.stderr)
    if args.summary:
        Path(args.summary).write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


def _serve(args: argparse.Namespace) -> int:
    try:
        from .server import serve
    except ImportError as exc:  # the core library does not need FastAPI
        print(f"eligibility: serve needs the server extra (pip install 'eligibility[server]'): {exc}",
              file=sys.stderr)
        return 2
    serve(load_policies(args.policies) if args.policies else bundled_policies(), host=args.host, port=args.port)
    return 0


_COMMANDS = {"evaluate": _evaluate, "check": _check, "policies": _policies, "schema": _schema, "docs": _docs,
             "test": _test, "serve": _serve,
             "batch": _batch, **ANALYST_COMMANDS}

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
