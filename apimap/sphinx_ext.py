"""Sphinx glue for apimap sites: badges with hover definitions, the language switch and hreflang links."""
from __future__ import annotations

import posixpath
from pathlib import Path

import yaml
from docutils import nodes

from .vocab import Vocab

_STATUS_CLASS = {"passed": "ok", "xfailed": "ok", "failed": "bad", "errored": "bad", "xpassed": "bad",
                 "skipped": "warn", "not_run": "warn", "ok": "ok", "drift": "warn", "error": "bad"}


def setup(app):
    app.add_config_value("apimap_conf_dir", "", "env")
    app.add_config_value("apimap_languages", {}, "html")
    app.add_node(badge, html=(_visit_badge, _depart_badge), latex=(_pass, _pass), text=(_pass, _pass))
    app.add_role("apimap-badge", badge_role)
    app.connect("html-page-context", add_language_links)
    app.add_css_file("apimap.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}


class badge(nodes.inline):
    """A label whose ``title`` (shown on hover) explains it."""


def _visit_badge(self, node):
    self.body.append(self.starttag(node, "span", "", CLASS=" ".join(node["classes"]), title=node["apimap_title"]))


def _depart_badge(self, node):
    self.body.append("</span>")


def _pass(self, node):
    pass


def _vocab(config):
    cache = getattr(config, "_apimap_cache", None)
    if cache is None:
        conf = Path(config.apimap_conf_dir)
        ui = yaml.safe_load((conf / "ui.yaml").read_text(encoding="utf-8"))
        cache = (Vocab(conf), ui)
        config._apimap_cache = cache
    return cache


def badge_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{apimap-badge}`category:consistent``` -> a labelled badge whose title is the definition."""
    config = inliner.document.settings.env.config
    vocab, ui = _vocab(config)
    lang = ui["languages"].get(config.language or "en", {"text": "en"})["text"]
    kind, _, value = text.partition(":")
    if kind == "category" and value in vocab.categories:
        cat = vocab.categories[value]
        label, title, css = cat.label[lang], cat.definition[lang], f"apimap-cat apimap-cat-{value}"
    elif kind in ("status", "check"):
        key = f"status_{value}" if kind == "status" else f"check_{value}"
        label = ui["strings"].get(key, {}).get(lang, value)
        title, css = label, f"apimap-status apimap-{_STATUS_CLASS.get(value, 'warn')}"
    else:
        msg = inliner.reporter.error(f"unknown apimap badge {text!r}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    node = badge(rawtext, label, classes=["apimap-badge", *css.split()])
    node["apimap_title"] = title
    return [node], []


def add_language_links(app, pagename, templatename, context, doctree):
    """Give every page a link to the same page in the other language(s), and hreflang alternates."""
    langs = app.config.apimap_languages  # {"en": "English", "zh_CN": "中文"}
    here = app.config.language or "en"
    depth = pagename.count("/")
    up = "../" * (depth + 1)
    links = []
    for code, label in langs.items():
        href = posixpath.join(up + code, pagename + ".html")
        links.append({"code": code, "label": label, "href": href, "current": code == here})
    context["apimap_languages"] = links
    tags = "".join(f'\n<link rel="alternate" hreflang="{l["code"].replace("_", "-")}" href="{l["href"]}" />' for l in links)
    context["metatags"] = context.get("metatags", "") + tags
