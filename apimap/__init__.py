"""apimap: PyTorch -> MindSpore API mappings from YAML, rendered as a bilingual, verified site."""

__version__ = "0.1.0"
