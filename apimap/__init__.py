"""apimap: PyTorch -> MindSpore API mappings from YAML, rendered as a bilingual, verified site.

The stages, each reading only what is to its left (``tests/test_architecture.py`` enforces the order, and that
there are no import cycles; ``python scripts/module_graph.py`` prints the graph)::

    conf/*.yaml ──config──▶ Config (Vocab, languages, strings)        every conf file: yamlsource + pydantic
    mappings/**.yaml ──yamlsource + model + validate──▶ Loaded        (cache: validated models by file bytes)
    execute/ + pytest_plugin (examples, real frameworks) ──▶ site/_build/doctest-results.json   (results)
    check/ (live signatures, real frameworks)            ──▶ site/_build/check-results.json     (results)
    Config + Loaded + results files + git dates ──catalog──▶ Catalog (frozen)
    Catalog ──render (templates/)──▶ site/_build/src/<lang>/*.md, RenderStats
    Catalog ──export──▶ mappings.json (+ schema), mappings.csv
    src/<lang> ──sitebuild (Sphinx + sphinx_ext, one process per language)──▶ staging ──publish──▶ site/_build/html

``fingerprint`` is the one place where a stage declares what it reads (validation cache, rendered pages,
a language's HTML). ``cli`` holds one module per command; nothing below it imports it. Only ``execute`` and
``check`` import torch or mindspore; the site builds without either.
"""

__version__ = "0.1.0"
