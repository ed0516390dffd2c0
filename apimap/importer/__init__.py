"""`apimap import`: MindSpore's hand-written pytorch_diff pages (en + zh) -> mapping YAML, and back for checking.

page.py reads one page, build.py joins a pair into mapping data, doctestify.py turns page code into doctests,
yamlwrite.py writes the YAML, run.py validates and places files, roundtrip.py renders back and compares.
"""
