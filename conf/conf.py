"""One Sphinx configuration for every language; the language comes from ``-D language=...``.

apimap's build sets the language; values that differ by language are computed here, not copied.
"""

import os
import sys
from pathlib import Path

CONF_DIR = Path(__file__).resolve().parent
REPO = CONF_DIR.parent
SITE = REPO / "site"
sys.path.insert(0, str(REPO))  # so the apimap package is importable without installation

from apimap.config import load_config  # noqa: E402  (after the path is set)

_conf = load_config(CONF_DIR)  # validated: a mistake in conf/ is one line, not a traceback
language = os.environ.get("APIMAP_LANGUAGE", "en")  # overridden by -D language=...

project = "apimap"
author = "apimap contributors"
copyright = "apimap contributors"

extensions = ["myst_parser", "sphinx_design", "sphinx_copybutton", "apimap.sphinx_ext"]
apimap_conf_dir = str(CONF_DIR)
apimap_languages = _conf.language_names

source_suffix = {".md": "markdown"}
master_doc = "index"
exclude_patterns = []
myst_enable_extensions = ["colon_fence", "dollarmath", "attrs_inline"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]

# MathJax's safe mode as a second line behind validation (which rejects \href and the like in maths):
# no links, classes, ids or styles from formulas.
mathjax3_config = {
    "loader": {"load": ["ui/safe"]},
    "options": {
        "safeOptions": {
            "allow": {"URLs": "none", "classes": "none", "cssIDs": "none", "styles": "none"}
        }
    },
}

# Raw HTML from any source is not allowed in pages (see apimap/markdown.py for YAML text).
docutils_settings = {"raw_enabled": False, "file_insertion_enabled": False}

html_theme = "furo"
html_title = "apimap"
html_favicon = str(SITE / "_static" / "apimap-icon.svg")
html_static_path = [str(SITE / "_static")]
templates_path = [str(SITE / "_templates")]
html_sidebars = {
    "**": [
        "sidebar/brand.html",
        "apimap-languages.html",
        "sidebar/search.html",
        "sidebar/scroll-start.html",
        "sidebar/navigation.html",
        "sidebar/scroll-end.html",
    ]
}
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
# Search results show each mapping's summary line (apimap-search.js) instead of fetching every result page
html_show_search_summary = False

# Copy buttons copy only the code after >>> / ... prompts, never expected output.
copybutton_prompt_text = r">>> |\.\.\. "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True

# Chinese search segments words with jieba (installed with apimap); apimap.sphinx_ext adds the glossary's and
# the vocabulary's terms to jieba's dictionary, so 学习率 is indexed, and found, as one word.
try:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
except ImportError:  # English-only builds do not need it
    pass

# Sphinx's zh search loads jieba's own dict.txt again as a "user dictionary" unless told otherwise: 349,000
# add_word calls, over a second per build, for words jieba already has. An empty path skips that.
html_search_options = {"dict": ""}
