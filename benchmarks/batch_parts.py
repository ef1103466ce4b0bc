"""The parts of ``eligibility batch`` chosen by measurement this round, each beside the
alternative it replaced, in one process, alternating, medians of the rounds (CPU seconds of
this thread; of the process where pyarrow's threads work). A check of those choices, not a benchmark of the whole command
(``compare_populations.py`` times that):

- reading JSONL blocks with the request's shape narrowed to the fields used, against the whole
  shape (pyarrow's reader, one thread, the benchmark's compact JSONL);
- reading a block as one piece on one thread, against pyarrow's threads (1 MiB pieces, which
  the checks then join: ``combine_chunks`` of every column);
- spreading an output's text column back to every row by ``take``, against ``replace_with_mask``;
- a summary that filters the two columns it sums, against filtering the decision table;
- Parquet statistics for the flat columns only, against statistics for every column.

    python benchmarks/batch_parts.py                 # 262,144 Shantou people, 5 rounds
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def clock(function, timer=time.thread_time):
    started = timer()
    function()
    return timer() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=262_144)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    from eligibility import _jsonl, bundled_policies
    from eligibility.batch import flat_table
    from eligibility.columnar import DECISION_SCHEMA, evaluate_table
    from shantou_population import population
    policies = bundled_policies()
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in population(1000)]
    text = ("\n".join(lines * (args.people // 1000)) + "\n").encode()
    folder = Path(tempfile.mkdtemp())
    (folder / "people.jsonl").write_bytes(text)
    blocks = list(_jsonl.blocks(folder / "people.jsonl", 65_536))
    shape = _jsonl.JsonShape(_jsonl.json_schema(policies), threads=False)
    shape.read(blocks[0])   # narrows the shape

    def parse(schema, options):
        return [pj.read_json(pa.BufferReader(b.buffer()), read_options=options(b), parse_options=pj.ParseOptions(
            explicit_schema=schema, unexpected_field_behavior="error")) for b in blocks]

    def one_piece(b):
        return pj.ReadOptions(use_threads=False, block_size=b.end - b.start + 1)

    def joined(tables):   # what the checks do with the columns of a table in pieces
        for table in tables:
            for column in flat_table(table).columns:
                column.combine_chunks()

    decided = evaluate_table(flat_table(parse(shape.narrow, one_piece)[0]), policies).table
    n = decided.num_rows
    applies = np.random.default_rng(1).random(n) < 0.3
    index = np.flatnonzero(applies)
    texts = decided["funding_source"].combine_chunks().take(pa.array(index))
    at = np.zeros(n, dtype=np.int64)
    at[index] = np.arange(len(index))
    places, mask = pa.array(at, mask=~applies), pa.array(applies)
    flat_stats = [f.name for f in DECISION_SCHEMA if not pa.types.is_list(f.type)]

    def write(statistics_for):
        with pq.ParquetWriter(folder / "out.parquet", decided.schema, write_statistics=statistics_for) as writer:
            writer.write_table(decided)

    def totals(table):   # the summary's subsidy per funding source, from ``table``
        table.filter(pc.is_valid(decided["subsidy_amount"])).group_by("funding_source", use_threads=False) \
            .aggregate([("subsidy_amount", "sum")])

    pairs = {
        "JSONL blocks: narrowed shape / whole shape": (
            lambda: parse(shape.narrow, one_piece), lambda: parse(shape.whole, one_piece)),
        "JSONL blocks: one piece, one thread / pyarrow's threads, pieces joined (process CPU)": (
            lambda: joined(parse(shape.narrow, one_piece)), lambda: joined(parse(shape.narrow, lambda b: pj.ReadOptions()))),
        "text column spread: take / replace_with_mask (x200)": (
            lambda: [texts.take(places) for _ in range(200)],
            lambda: [pc.replace_with_mask(pa.nulls(n, pa.string()), mask, texts) for _ in range(200)]),
        "summary's totals: two columns filtered / the table filtered (x20)": (
            lambda: [totals(decided.select(["funding_source", "subsidy_amount"])) for _ in range(20)],
            lambda: [totals(decided) for _ in range(20)]),
        "Parquet writing: flat columns' statistics / every column's": (
            lambda: write(flat_stats), lambda: write(True)),
    }
    print(f"# batch parts, {len(blocks)} blocks of {args.people:,} Shantou people, {args.rounds} rounds, "
          f"{time.strftime('%Y-%m-%d %H:%M')}\n")
    print("| choice / alternative | chosen | alternative | ratio |\n|---|---|---|---|")
    for label, (chosen, other) in pairs.items():
        timer = time.process_time if "(process CPU)" in label else time.thread_time
        found: list[tuple[float, float]] = []
        for _ in range(args.rounds):
            a, b = clock(chosen, timer=timer), clock(other, timer=timer)
            found.append((a, b))
        a, b = statistics.median(x for x, _ in found), statistics.median(y for _, y in found)
        ratio = statistics.median(x / y for x, y in found)
        print(f"| {label} | {a:.3f} s | {b:.3f} s | {ratio:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
