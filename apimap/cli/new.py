"""``apimap new TORCH_API MINDSPORE_API``: draft a mapping file from the two live APIs."""

from __future__ import annotations

import sys
from pathlib import Path

from . import check


def register(sub) -> None:
    p = sub.add_parser(
        "new", help="draft a mapping file from a torch API and its MindSpore counterpart"
    )
    p.add_argument("torch_api", help="e.g. torch.optim.RMSprop")
    p.add_argument("mindspore_api", help="e.g. mindspore.nn.RMSProp")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="mappings folder to write into (default: the project's mappings/)",
    )
    p.add_argument(
        "--tag",
        help="write <Name>@<tag>.yaml: a further MindSpore counterpart of the same torch API",
    )
    p.add_argument(
        "--print",
        dest="print_only",
        action="store_true",
        help="print the draft instead of writing it",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from ..check.scaffold import ScaffoldError, draft, mapping_path, write_new
    from ..config import load_config

    vocab = load_config(args.project.conf).vocab
    out_dir = args.out or args.project.mappings
    path = mapping_path(out_dir, args.torch_api, args.tag)
    if path.exists() and not args.print_only:
        print(
            f"{path}: already exists; edit it, or use --tag for another MindSpore counterpart",
            file=sys.stderr,
        )
        return 1
    fw, _ = check.frameworks()
    try:
        text = draft(args.torch_api, args.mindspore_api, fw, vocab)
        if args.print_only:
            sys.stdout.write(text)
            return 0
        write_new(path, text)
    except ScaffoldError as exc:
        print(f"apimap new: {exc}", file=sys.stderr)
        return 1
    print(
        f"apimap new: wrote {path}; replace every 'TODO:' and review the rows, then run `apimap validate {path}`",
        file=sys.stderr,
    )
    return 0
