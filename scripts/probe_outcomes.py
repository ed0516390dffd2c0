"""What the last ``apimap doctest`` measured, one line per probe call: file, call, status, outcome, detail.

    python scripts/probe_outcomes.py [RESULTS] [--divergent]

RESULTS defaults to site/_build/doctest-results.json; ``--divergent`` shows only calls where the two frameworks
part ways (or that failed). Counts by outcome close the listing.
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
    args = parser.parse_args()
    items = [i for i in json.loads(Path(args.results).read_text())["items"] if i["part"] == "probe"]
    counts = collections.Counter(i["outcome"] or i["status"] for i in items)
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


if __name__ == "__main__":
    raise SystemExit(main())
