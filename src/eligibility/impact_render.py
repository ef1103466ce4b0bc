"""An impact report for people: text for a terminal, and a self-contained HTML page with
inline SVG charts (transitions, per-person subsidy changes, eligible people per category,
the rules behind the changes), readable by someone who will not read a table.
"""

from __future__ import annotations

from html import escape
from typing import Any

from .impact import Impact


def format_impact(report: Impact) -> str:
    """The report as text."""
    r = report
    out = [f"impact of {r.reform['id']} over {r.base['id']}: {r.people} people decided, {r.changed} changed"
           + (f", {r.refused} refused (invalid requests)" if r.refused else "")]
    out.append("\noutcomes (before -> after): people, share")
    shares = r.shares()
    for key, count in r.transitions.items():
        out.append(f"  {key:<40} {count:>8}  {shares[key]:7.2%}")
    s = r.subsidy
    out.append(f"\nsubsidy: {s['before']} -> {s['after']} yuan (change {s['change']})")
    if s["eligible_amount_unknown_before"] or s["eligible_amount_unknown_after"]:
        out.append(f"  eligible with an unknown amount (premium not stated nor supplied): "
                   f"{s['eligible_amount_unknown_before']} -> {s['eligible_amount_unknown_after']}")
    for name, v in r.by_funding_source.items():
        out.append(f"  {name:<30} {v['before']:>14} -> {v['after']:>14}  ({v['change']})")
    d = r.distribution
    out.append(f"\nper person: {d['winners']} gain ({d['gained']}), {d['losers']} lose ({d['lost']}), "
               f"{d['unchanged']} unchanged")
    for group, counts in r.codes.items():
        if counts:
            out.append(f"{group.replace('_', ' ')}: " + ", ".join(f"{code} {n}" for code, n in counts.items()))
    out.append("\nattribution (the rules whose result, value or date changed): people")
    for entry in r.attribution:
        clause = f" [{entry['clause']}]" if entry["clause"] else ""
        out.append(f"  {entry['rule']}{clause} {entry['change']}: {entry['people']}")
    if r.examples:
        out.append("\nexamples (a person is their line in the population file)")
    for example in r.examples:
        out.append(f"  {example.person} {example.transition}: " + "; ".join(
            f"{a.rule} {a.change} {_short(a.before)} -> {_short(a.after)}" for a in example.attribution))
        out += _side_by_side(example.trace_before, example.trace_after, "    ")
    return "\n".join(out)


def _short(value: Any) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= 60 else text[:59] + "…"


_MARK = {True: "✓", False: "✗", None: "?"}


def _side_by_side(before: list[tuple], after: list[tuple], pad: str) -> list[str]:
    """The steps that differ between two traces, base on the left, reform on the right."""
    left = {step[0]: step for step in before}
    right = {step[0]: step for step in after}
    lines = []
    for path in [*left, *(p for p in right if p not in left)]:
        a, b = left.get(path), right.get(path)
        if a is not None and b is not None and a[2] == b[2]:
            continue
        clause = (b or a)[1]
        lines.append(f"{pad}{path:<45} [{clause or ''}] {_MARK[a[2]] if a else '·'} | {_MARK[b[2]] if b else '·'}")
    return lines


# --- HTML --------------------------------------------------------------------------------------------

_STYLE = """body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:2em auto;max-width:960px;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
.big{display:flex;gap:1.5em;flex-wrap:wrap}.big div{background:#f4f6f8;border-radius:8px;padding:.8em 1.2em}
.big b{display:block;font-size:1.6em}table{border-collapse:collapse;font-size:.9em}
td,th{border-bottom:1px solid #eee;padding:.25em .6em;text-align:left}td.n{text-align:right}
.note{color:#666;font-size:.85em}svg text{font-size:12px}"""


def impact_html(report: Impact) -> str:
    """The report as one self-contained page (no scripts, no external files)."""
    r = report
    s, d = r.subsidy, r.distribution
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Impact of "
             f"{escape(r.reform['id'])}</title><style>{_STYLE}</style></head><body>",
             f"<h1>Impact of {escape(r.reform['id'])} over {escape(r.base['id'])}</h1>",
             f"<p class=\"note\">Base {escape(r.base['file'])} (sha256 {r.base['content_hash'][:12]}…), reform "
             f"{escape(r.reform['file'])} (sha256 {r.reform['content_hash'][:12]}…). Counts are of the population "
             "given; a synthetic population says nothing of a real one.</p>",
             "<div class=\"big\">",
             f"<div><b id=\"people\">{r.people}</b>people decided</div>",
             f"<div><b id=\"changed\">{r.changed}</b>people whose decision changed</div>",
             f"<div><b id=\"cost\">{escape(s['change'])}</b>yuan change in total subsidy</div>",
             f"<div><b>{d['winners']} / {d['losers']}</b>gain / lose money</div></div>",
             _unknown_note(s),
             "<h2>Who moves between outcomes</h2>", _bars([(k, v) for k, v in r.transitions.items()], "transitions"),
             "<h2>How much each person gains or loses (yuan)</h2>",
             _bars([(_bin(b), b["people"]) for b in d["bins"]], "amounts"),
             "<h2>Eligible people per primary category</h2>",
             _paired({r.labels.get(f"categories.{name}", name): counts for name, counts in r.per_category.items()}),
             "<h2>The rules behind the changes</h2>",
             _bars([(f"[{a['clause'] or ''}] {r.labels.get(a['rule'], a['rule'])}: {a['change']}", a["people"])
                    for a in r.attribution], "attribution"),
             "<h2>Subsidy by funding source (yuan)</h2>", _table(
                 ["funding source", "before", "after", "change"],
                 [[name, v["before"], v["after"], v["change"]] for name, v in r.by_funding_source.items()]),
             "<h2>Flags, deadlines, tier benefits, benefit dates</h2>", _table(
                 ["group", "code", "people"], [[g, code, n] for g, counts in r.codes.items() for code, n in counts.items()]),
             "<h2>Examples</h2><p class=\"note\">A person is their line in the population file; no ID or name is "
             "shown. Steps whose result differs: base | reform.</p>"]
    for example in r.examples:
        steps = _side_by_side(example.trace_before, example.trace_after, "")
        parts.append(f"<h3>{escape(example.person)}: {escape(example.transition)}</h3>")
        parts.append("<ul>" + "".join(f"<li>{escape(a.rule)} [{escape(a.clause or '')}] {escape(a.change)}: "
                                      f"{escape(_short(a.before))} → {escape(_short(a.after))}</li>"
                                      for a in example.attribution) + "</ul>")
        parts.append("<pre>" + "\n".join(escape(step) for step in steps) + "</pre>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _unknown_note(subsidy: dict[str, Any]) -> str:
    before, after = subsidy["eligible_amount_unknown_before"], subsidy["eligible_amount_unknown_after"]
    if not (before or after):
        return ""
    return (f"<p class=\"note\">Eligible people whose amount is unknown (no premium stated by the policy nor "
            f"supplied by the request): {before} before, {after} after. The totals count known amounts only.</p>")


def _bin(b: dict[str, Any]) -> str:
    if b["from"] is None:
        return f"< {b['to']}"
    if b["to"] is None:
        return f"≥ {b['from']}"
    if b["from"] == "-0.005":
        return "no change"
    return f"{b['from']} to {b['to']}"


def _bars(rows: list[tuple[str, int]], name: str) -> str:
    """A horizontal bar chart, one bar per row, labelled with its count."""
    if not rows:
        return "<p class=\"note\">nothing to show</p>"
    top = max(count for _, count in rows) or 1
    height = 24 * len(rows) + 10
    bars = []
    for i, (label, count) in enumerate(rows):
        y = 5 + 24 * i
        width = 0 if count == 0 else max(2, int(420 * count / top))
        shown = label if len(label) <= 56 else label[:55] + "…"
        bars.append(f"<text x=\"0\" y=\"{y + 15}\"><title>{escape(label)}</title>{escape(shown)}</text>"
                    f"<rect x=\"360\" y=\"{y}\" width=\"{width}\" height=\"18\" fill=\"#3b7dd8\"/>"
                    f"<text x=\"{366 + width}\" y=\"{y + 14}\">{count}</text>")
    return (f"<svg class=\"chart\" data-chart=\"{name}\" role=\"img\" aria-label=\"{name}\" width=\"880\" "
            f"height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">{''.join(bars)}</svg>")


def _paired(per_category: dict[str, dict[str, int]]) -> str:
    """Two bars per category: eligible before (grey) and after (blue)."""
    rows = list(per_category.items())
    if not rows:
        return "<p class=\"note\">nothing to show</p>"
    top = max(max(c["before"], c["after"]) for _, c in rows) or 1
    bars = []
    for i, (label, counts) in enumerate(rows):
        y = 5 + 34 * i
        for j, (side, colour) in enumerate((("before", "#aaa"), ("after", "#3b7dd8"))):
            width = int(420 * counts[side] / top)
            bars.append(f"<rect x=\"300\" y=\"{y + 14 * j}\" width=\"{width}\" height=\"12\" fill=\"{colour}\"/>"
                        f"<text x=\"{306 + width}\" y=\"{y + 14 * j + 11}\">{counts[side]}</text>")
        shown = label if len(label) <= 44 else label[:43] + "…"
        bars.append(f"<text x=\"0\" y=\"{y + 17}\"><title>{escape(label)}</title>{escape(shown)}</text>")
    return (f"<svg class=\"chart\" data-chart=\"categories\" role=\"img\" aria-label=\"categories\" width=\"880\" "
            f"height=\"{34 * len(rows) + 10}\" xmlns=\"http://www.w3.org/2000/svg\">{''.join(bars)}</svg>"
            "<p class=\"note\">grey: base; blue: reform</p>")


def _table(head: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return "<p class=\"note\">none</p>"
    cells = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return "<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + f"</tr>{cells}</table>"
