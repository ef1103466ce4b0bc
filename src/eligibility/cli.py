"""The ``eligibility`` command: evaluate requests, check policies, list them, export schemas.

Exit codes: 0 when a decision (whatever it says) or a clean check is printed; 2 for an
invalid request, an invalid policy or a bad command line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import bundled_policies, load_policies, load_policy
from ._docs import update_doc
from ._errors import EligibilityError, PolicyError, RequestError
from ._registry import bundled_policy_dir
from ._render import render_json, render_text
from ._request import load_request_text
from ._schema import write_schemas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eligibility", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    ev = sub.add_parser("evaluate", help="evaluate a request file (JSON or YAML)")
    ev.add_argument("file", help="request file, or - for standard input")
    ev.add_argument("--format", choices=("text", "json"), default="text")
    ev.add_argument("--policies", metavar="DIR", help="policy directory (default: the bundled policies)")
    ev.add_argument("--no-trace", action="store_true", help="leave the trace out")

    ck = sub.add_parser("check", help="validate policy files (default: every bundled policy)")
    ck.add_argument("policy", nargs="*", help="policy files or directories")

    ls = sub.add_parser("policies", help="list cities, versions and their windows")
    ls.add_argument("--policies", metavar="DIR")

    sc = sub.add_parser("schema", help="write the request and decision JSON Schemas")
    sc.add_argument("--out", default="docs/schema", help="directory (default: docs/schema)")

    dc = sub.add_parser("docs", help="regenerate the rules tables in docs/policies/<city>.md")
    dc.add_argument("--out", default="docs/policies", help="directory (default: docs/policies)")
    dc.add_argument("--policies", metavar="DIR")

    args = parser.parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except RequestError as exc:
        print(f"eligibility: {exc}", file=sys.stderr)
        return 2
    except PolicyError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except EligibilityError as exc:
        print(f"eligibility: {exc}", file=sys.stderr)
        return 2


def _evaluate(args: argparse.Namespace) -> int:
    from . import evaluate

    if args.file == "-":
        text, source = sys.stdin.read(), "<stdin>"
    else:
        try:
            text, source = Path(args.file).read_text(encoding="utf-8"), args.file
        except OSError as exc:
            print(f"eligibility: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
            return 2
    request = load_request_text(text, source=source)
    policies = load_policies(args.policies) if args.policies else bundled_policies()
    decision = evaluate(request, policies, trace=not args.no_trace)
    print(render_json(decision) if args.format == "json" else render_text(decision))
    return 0


def _check(args: argparse.Namespace) -> int:
    targets = [Path(p) for p in args.policy] or [bundled_policy_dir()]
    files: list[Path] = []
    for target in targets:
        files += sorted(target.glob("*.yaml")) if target.is_dir() else [target]
    failures = 0
    for file in files:
        try:
            policy = load_policy(file)
        except PolicyError as exc:
            failures += 1
            print(str(exc), file=sys.stderr)
            continue
        print(f"{file}: ok ({policy.city}, {len(policy.versions)} version(s), {len(policy.rules())} rules)")
    return 2 if failures else 0


def _policies(args: argparse.Namespace) -> int:
    policies = load_policies(args.policies) if args.policies else bundled_policies()
    for policy in policies:
        print(f"{policy.city}\t{policy.name}\t{policy.region}")
        for version in policy.versions:
            spec = version.spec
            print(f"  {spec.id}\t{spec.effective.from_} – {spec.effective.to or 'open'}\t"
                  f"{spec.document.number or spec.document.title}\tprograms: {', '.join(version.programs)}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    for path in write_schemas(Path(args.out)):
        print(path)
    return 0


def _docs(args: argparse.Namespace) -> int:
    policies = load_policies(args.policies) if args.policies else bundled_policies()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for policy in policies:
        doc = out / f"{policy.city}.md"
        print(f"{doc}: {'updated' if update_doc(policy, doc) else 'up to date'}")
    return 0


_COMMANDS = {"evaluate": _evaluate, "check": _check, "policies": _policies, "schema": _schema, "docs": _docs}

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
