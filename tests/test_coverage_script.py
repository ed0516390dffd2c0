"""scripts/coverage.py: a work list of pairs against the mappings, counted per module, disagreements listed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_coverage_counts_pairs_and_lists_disagreements(tmp_path):
    shutil.copytree(REPO / "conf", tmp_path / "conf")
    shutil.copytree(FIXTURES / "mappings", tmp_path / "mappings")
    work = tmp_path / "pairs.csv"
    work.write_text(
        "module,torch_api,mindspore_api,in_tables,mindspore_table_says\n"
        "torch.demo,torch.demo.Widget,mindspore.demo.Gadget,master,master: Consistent\n"
        "torch.demo.nn,torch.demo.nn.Thing,mindspore.demo.thing,r2.3.1,r2.3.1: diff\n"
        "torch.demo.nn,torch.demo.nn.Absent,mindspore.demo.absent,r2.3.1,r2.3.1: Consistent\n"
        "torch.demo.nn,torch.demo.nn.Thing,mindspore.demo.thing3,master,master: Consistent\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "coverage.py"),
            str(work),
            "--disagreements",
            "--unmapped",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = run.stdout.splitlines()
    assert lines[2].startswith("| torch.demo | 1 | 1 | 1 | 1 of 1 | ")
    # Thing is mapped, but not to the table's second counterpart (thing3): 2 of 3 pairs mapped, 1 with its file
    assert lines[3].startswith("| torch.demo.nn | 3 | 2 | 1 | 1 of 2 | ")
    # the table says Widget is consistent; the fixture's category is another
    widget = next(
        ln
        for ln in lines
        if ln.startswith("| torch.demo.Widget | mindspore.demo.Gadget | Consistent | ")
    )
    # ... | we found (the pair's own file: its category) | shown by |: what shows the difference, or -
    assert widget.count("|") == 6 and "mindspore.demo.Gadget:" not in widget.split("|")[4]
    assert lines[-2:] == [
        "torch.demo.nn\ttorch.demo.nn.Absent\tmindspore.demo.absent",
        "torch.demo.nn\ttorch.demo.nn.Thing\tmindspore.demo.thing3\t(no file for this pair)",
    ]
