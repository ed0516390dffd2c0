"""What the last ``apimap doctest`` measured, one line per probe call: file, call, status, outcome, detail.

    python scripts/probe_outcomes.py [RESULTS] [--divergent | --summary]

RESULTS defaults to site/_build/doctest-results.json; ``--divergent`` shows only calls where the two frameworks
part ways (or that failed); ``--summary`` counts outcomes per call pattern and per edge case instead. Counts by
outcome close the listing.
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

AGREEING = ("agree", "both_raise")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", default="site/_build/doctest-results.json")
    parser.add_argument(
        "--divergent", action="store_true", help="only calls that diverge or failed"
    )
    parser.add_argument("--summary", action="store_true", help="outcomes per pattern and edge case")
    args = parser.parse_args()
    items = [i for i in json.loads(Path(args.results).read_text())["items"] if i["part"] == "probe"]
    counts = collections.Counter(i["outcome"] or i["status"] for i in items)
    if args.summary:
        _summary(items, counts)
        return 0
    for i in items:
        if args.divergent and i["outcome"] in AGREEING and i["status"] == "passed":
            continue
        line = f"{i['file']}  {i['example']:<22} {i['status']:<7} {i['outcome']:<16} {i['detail']}"
        if i["outcome"] not in AGREEING:
            line += f"  | torch: {i['torch_result']}  | mindspore: {i['mindspore_result']}"
        if i["status"] != "passed" and i["message"]:
            line += f"  | {i['message'].splitlines()[0]}"
        print(line)
    print(", ".join(f"{n} {k}" for k, n in counts.most_common()) or "no probe calls")
    return 0


def _summary(items: list, counts: collections.Counter) -> None:
    """A table: one line per call pattern (rows together) and per edge case, one column per outcome."""
    outcomes = [k for k, _ in counts.most_common()]
    groups: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for i in items:
        call = i["example"]
        groups["row-<name>" if call.startswith("row-") else call][i["outcome"] or i["status"]] += 1
    width = max([len(g) for g in groups] + [4])
    print(f"{'call':<{width}}  " + "  ".join(f"{o:>16}" for o in outcomes) + "  total")
    for group in sorted(groups, key=lambda g: (g.startswith("edge-"), g)):
        row = groups[group]
        cells = "  ".join(f"{row.get(o, 0):>16}" for o in outcomes)
        print(f"{group:<{width}}  {cells}  {sum(row.values()):>5}")
    files = {i["file"] for i in items}
    totals = ", ".join(f"{n} {k}" for k, n in counts.most_common())
    print(f"{len(items)} calls in {len(files)} mappings: {totals}")


if __name__ == "__main__":
    raise SystemExit(main())
