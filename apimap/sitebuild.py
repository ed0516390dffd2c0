"""Run Sphinx once per language (in parallel processes) and write the language chooser at the root."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .project import Project

ROOT_INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>apimap: PyTorch → MindSpore API mappings</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
{alternates}
<script>
  (function () {{
    var langs = {codes};
    var want = (navigator.languages || [navigator.language || "en"]).map(function (l) {{ return l.toLowerCase(); }});
    for (var i = 0; i < want.length; i++) {{
      if (want[i].indexOf("zh") === 0 && langs.indexOf("zh_CN") >= 0) {{ location.replace("zh_CN/index.html"); return; }}
      if (want[i].indexOf("en") === 0) break;
    }}
    location.replace("en/index.html");
  }})();
</script>
</head><body>
<p>Choose a language / 选择语言:</p>
<ul>{links}</ul>
</body></html>
"""


@dataclass
class SphinxRun:
    lang: str
    returncode: int
    output: str


def sphinx_command(project: Project, lang: str, jobs: str = "1", out: Path | None = None) -> list[str]:
    out = out or project.html / lang
    return [
        sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", "-j", jobs,
        "-c", str(project.conf), "-D", f"language={lang}",
        "-d", str(project.build / "doctrees" / lang),
        str(project.src / lang), str(out),
    ]


def build_html(project: Project, languages: dict[str, str], jobs: str = "1", out_root: Path | None = None) -> list[SphinxRun]:
    """Build every language at once (one process each); return their results."""
    out_root = out_root or project.html
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(project.root), os.environ.get("PYTHONPATH")])))
    procs = {}
    for lang in languages:
        cmd = sphinx_command(project, lang, jobs, out_root / lang)
        procs[lang] = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    runs = []
    for lang, proc in procs.items():
        output, _ = proc.communicate()
        runs.append(SphinxRun(lang, proc.returncode, output))
    write_root_index(out_root, languages)
    return runs


def write_root_index(out_root: Path, languages: dict[str, str]) -> None:
    links = "".join(f'<li><a href="{code}/index.html" hreflang="{code.replace("_", "-")}">{name}</a></li>' for code, name in languages.items())
    alternates = "\n".join(f'<link rel="alternate" hreflang="{code.replace("_", "-")}" href="{code}/index.html">' for code in languages)
    codes = "[" + ", ".join(f'"{c}"' for c in languages) + "]"
    out_root.mkdir(parents=True, exist_ok=True)
    (out_root / "index.html").write_text(ROOT_INDEX.format(links=links, alternates=alternates, codes=codes), encoding="utf-8")
