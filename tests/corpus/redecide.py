"""Write ``redecided.json``: the decisions of the corpus sample that were frozen undetermined
and are now decided (issue 11: a part that lacked a fact is now open), or frozen decided
and now undetermined, as the engine decides them now. ``tests/test_corpus.py`` first judges
each such decision legitimate (``now_settled``, ``now_doubted``), then compares its fields
and trace with this file. Run it only after reviewing what was re-decided, from the
repository root:

    python tests/corpus/redecide.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from test_corpus import (CHANGED, REDECIDED_FILE, as_now, corpus, now_doubted, now_settled,  # noqa: E402
                         trace_projection)

from eligibility import RequestError, evaluate  # noqa: E402


def main() -> int:
    requests, records, sample = corpus()
    kept = {}
    for index in sample:
        request = json.loads(requests[index])
        frozen = as_now(index, request, records[index])
        if "decision" not in frozen:
            continue
        try:
            decision = evaluate(request, trace=True)
        except RequestError:
            continue
        judged = now_settled(request, frozen["decision"], decision)
        if judged is None:
            judged = now_doubted(frozen, decision)
        if judged == []:   # re-decided, and legitimately so
            kept[str(index)] = {"decision": decision.model_dump(mode="json", exclude={"trace", *CHANGED}),
                                "trace": trace_projection(decision)}
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout.strip()
    lines = [f"  {json.dumps(index)}: {json.dumps(kept[index], ensure_ascii=False, sort_keys=True)}"
             for index in sorted(kept, key=int)]   # a record a line: a change shows as that record's line
    REDECIDED_FILE.write_text(f'{{"written_at": {json.dumps(commit)}, "records": {{\n' + ",\n".join(lines)
                              + "\n}}\n", encoding="utf-8")
    print(f"{len(kept)} re-decided records written to {REDECIDED_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
