"""How far the mappings cover a work list of API pairs (MindSpore's own tables), and where they disagree with it.

    python scripts/coverage.py [CSV] [--module M ...] [--disagreements] [--unmapped]

CSV defaults to ../shared/coverage/mindspore-table-pairs.csv (columns module, torch_api, mindspore_api,
in_tables, mindspore_table_says). Prints, per module of the list: its pairs, the pairs whose torch API has a
mapping, the pairs with a file of their own (that counterpart, by the table's name), the categories of those
mappings and their MindSpore namespaces. ``--disagreements`` lists every pair
where the table says "Consistent" and the mapping's category is another (or the other way round);
``--unmapped`` lists the pairs without a file of their own; ``--write-worklist OUT`` writes the pairs alone
(conf/worklist.csv, the site's coverage panel). Reads the mappings through apimap's loader; needs neither
framework.
"""

from __future__ import annotations

import argparse
import collections
import csv
import sys
from pathlib import Path

from apimap.catalog import DIVERGENT
from apimap.config import load_config
from apimap.project import Project
from apimap.results import DOCTEST_RESULTS, read_doctest_results
from apimap.validate import load_tree

DEFAULT = Path("../shared/coverage/mindspore-table-pairs.csv")
DIVERGED: dict[int, list[str]] = {}  # id(mapping) -> its probe calls that diverged in the last run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--module", action="append", help="only these modules of the list")
    parser.add_argument("--disagreements", action="store_true")
    parser.add_argument("--unmapped", action="store_true")
    parser.add_argument(
        "--write-worklist",
        type=Path,
        metavar="OUT",
        help="write the list's pairs (module, torch_api, mindspore_api: no table text) for conf/worklist.csv",
    )
    args = parser.parse_args()
    if not args.csv.is_file():
        print(f"coverage: {args.csv}: no such file", file=sys.stderr)
        return 1
    rows = list(csv.DictReader(args.csv.open(encoding="utf-8")))
    if args.write_worklist:
        with args.write_worklist.open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh, lineterminator="\n")
            out.writerow(["module", "torch_api", "mindspore_api"])
            out.writerows([r["module"], r["torch_api"], r["mindspore_api"]] for r in rows)
        print(f"coverage: {len(rows)} pairs -> {args.write_worklist}", file=sys.stderr)
        return 0
    if args.module:
        rows = [r for r in rows if r["module"] in args.module]
    project = Project.find(Path.cwd())
    loaded, problems = load_tree(
        [project.mappings], project.mappings, load_config(project.conf).vocab
    )
    if problems:
        print(
            f"coverage: {len(problems)} problem(s) in mappings/; run apimap validate",
            file=sys.stderr,
        )
        return 1
    by_torch = collections.defaultdict(list)
    for item in loaded:
        by_torch[item.mapping.torch.api].append(item.mapping)
    # the probe calls where the frameworks parted ways in the last run (site/_build/doctest-results.json)
    run = read_doctest_results(project.build / DOCTEST_RESULTS)
    for item in loaded:
        DIVERGED[id(item.mapping)] = [
            call for call, r in run.probes_for(item.rel).items() if r.outcome in DIVERGENT
        ]

    def has_pair(r) -> bool:  # a file maps exactly this pair (the table's counterpart, by its name)
        return any(
            m.mindspore and m.mindspore.api == r["mindspore_api"]
            for m in by_torch.get(r["torch_api"], [])
        )

    print(
        "| module | pairs | mapped | pairs with their own file | torch APIs mapped | categories | "
        "MindSpore namespaces |"
    )
    print("|---|---|---|---|---|---|---|")
    for module in sorted({r["module"] for r in rows}):
        pairs = [r for r in rows if r["module"] == module]
        mapped = [r for r in pairs if r["torch_api"] in by_torch]
        apis = {r["torch_api"] for r in pairs}
        mappings = [m for api in sorted(apis & by_torch.keys()) for m in by_torch[api]]
        cats = collections.Counter(m.category for m in mappings)
        spaces = collections.Counter(
            m.mindspore.api.rsplit(".", 1)[0] if m.mindspore else "(none)" for m in mappings
        )
        own = [r for r in pairs if has_pair(r)]
        print(
            f"| {module} | {len(pairs)} | {len(mapped)} | {len(own)} | "
            f"{len(apis & by_torch.keys())} of {len(apis)} | {_counts(cats)} | {_counts(spaces)} |"
        )
    if args.disagreements:
        # the pair's own file when it has one, else every mapping of its torch API
        print("\n| torch API | table's MindSpore API | table says | we found | shown by |")
        print("|---|---|---|---|---|")
        for r in rows:
            every = by_torch.get(r["torch_api"], [])
            own = [m for m in every if m.mindspore and m.mindspore.api == r["mindspore_api"]]
            ours = own or every
            says_same = "Consistent" in r["mindspore_table_says"]
            if ours and any((m.category == "consistent") != says_same for m in ours):
                found = "; ".join(
                    (f"{m.mindspore.api if m.mindspore else '(none)'}: " if not own else "")
                    + m.category
                    for m in ours
                )
                print(
                    f"| {r['torch_api']} | {r['mindspore_api']} | "
                    f"{'Consistent' if says_same else 'a difference'} | {found} | "
                    f"{'; '.join(filter(None, map(_evidence, ours))) or '-'} |"
                )
    if args.unmapped:
        print()
        for r in rows:
            if r["torch_api"] not in by_torch:
                print(f"{r['module']}\t{r['torch_api']}\t{r['mindspore_api']}")
            elif not has_pair(r):  # the torch API is mapped, to another counterpart
                print(
                    f"{r['module']}\t{r['torch_api']}\t{r['mindspore_api']}\t(no file for this pair)"
                )
    return 0


def _evidence(m) -> str:
    """Where a mapping shows its difference: the probe calls that expect one, the examples that compare one,
    the missing kernel or cluster it declares."""
    calls = [c for c, e in (m.probe.expect if m.probe else {}).items() if e == "differ"]
    examples = [
        f"example {ex.id}" for ex in m.examples if ex.compare and ex.compare.expect == "differ"
    ]
    needs = [f"requires {m.requires.kernel or m.requires.cluster}"] if m.requires else []
    if not (calls or examples or needs or m.category == "consistent"):
        parted = DIVERGED.get(id(m), [])  # the edge rules lifted the category: those calls show it
        calls = parted[:4] + (["…"] if len(parted) > 4 else [])
    agrees = (
        ["probe: every call agrees" if m.probe else "examples: compared equal"]
        if m.category == "consistent" and not needs
        else []
    )
    return ", ".join(calls + examples + needs + agrees)


def _counts(counter: collections.Counter) -> str:
    return ", ".join(f"{k} {v}" for k, v in counter.most_common())


if __name__ == "__main__":
    sys.exit(main())
