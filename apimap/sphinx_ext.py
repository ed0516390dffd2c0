"""Sphinx glue for apimap sites: badges with hover definitions, the mapping explorer, the language switch
and hreflang links, and Chinese search words."""

from __future__ import annotations

import json
import posixpath
from html import escape
from pathlib import Path

from docutils import nodes
from sphinx.errors import ConfigError
from sphinx.util.docutils import SphinxDirective

from .config import Config, load_config
from .problems import ProblemsError
from .results import TONE

EXPLORER_DATA = "_data/explorer.json"  # written by apimap.render under the source folder
SNIPPETS_DATA = "_data/snippets.json"  # likewise: page -> its search result's line
SEARCH_JS = "apimap-search.js"  # site/_static/: search results show those lines
SEARCH_DATA_JS = "apimap-search-data.js"  # published under _static/
EXPLORER_DATA_JS = "apimap-explorer-data.js"  # published under _static/ beside the explorer's code
EXPLORER_JS = "apimap-explorer.js"  # site/_static/
LOOKUP_JS = "apimap-lookup.js"  # site/_static/: the search page sends API names to the explorer
PAGE_JS = (
    "apimap-page.js"  # site/_static/: every page's furniture (language switch, copy buttons' names)
)


def setup(app):
    app.add_config_value("apimap_conf_dir", "", "env")
    app.add_config_value("apimap_languages", {}, "html")
    app.add_node(
        badge, html=(_visit_badge, _depart_badge), latex=(_pass, _pass), text=(_pass, _pass)
    )
    app.add_node(explorer, html=(_visit_explorer, _pass), latex=(_skip, None), text=(_skip, None))
    app.add_role("apimap-badge", badge_role)
    app.add_directive("apimap-explorer", ExplorerDirective)
    app.connect("builder-inited", add_search_words)
    app.connect("builder-inited", translate_theme_strings)
    app.connect("builder-inited", set_site_title)
    app.connect("builder-inited", cache_compiled_templates)
    _fix_chinese_search_stemmer(app)
    app.connect("html-page-context", add_language_links)
    app.connect("html-page-context", add_explorer_scripts)
    app.connect("builder-inited", publish_explorer_data)
    app.add_css_file("apimap.css")
    app.add_js_file(PAGE_JS, defer="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "2"}


class badge(nodes.inline):
    """A label whose ``title`` (shown on hover) explains it."""


def _visit_badge(self, node):
    """A badge's definition is reachable without a mouse: the badge takes keyboard focus (a tap focuses it
    too) and apimap.css shows ``data-def`` while it has focus; screen readers get it in the label."""
    title, label = node["apimap_title"], node.astext()
    extra = {}
    if title and title != label:
        extra = {"tabindex": "0", "data-def": title, "aria-label": f"{label}: {title}"}
    self.body.append(
        self.starttag(node, "span", "", CLASS=" ".join(node["classes"]), title=title, **extra)
    )


def _depart_badge(self, node):
    self.body.append("</span>")


def _pass(self, node):
    pass


def _skip(self, node):
    raise nodes.SkipNode


def _conf(config) -> Config:
    """conf/, validated (apimap.config), loaded once per Sphinx process."""
    cache = getattr(config, "_apimap_cache", None)
    if cache is None:
        try:
            cache = load_config(Path(config.apimap_conf_dir))
        # apimap build validates first; this is for a Sphinx run on its own
        except ProblemsError as exc:
            raise ConfigError("\n".join(str(p) for p in exc.problems)) from None
        config._apimap_cache = cache
    return cache


def _text_lang(config) -> str:
    languages = _conf(config).languages
    lang = languages.get(config.language or "en")
    return lang.text if lang else "en"


def badge_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{apimap-badge}`category:consistent``` -> a labelled badge whose title is the definition."""
    config = inliner.document.settings.env.config
    conf = _conf(config)
    vocab = conf.vocab
    lang = _text_lang(config)
    kind, _, value = text.partition(":")
    if kind == "category" and value in vocab.categories:
        cat = vocab.categories[value]
        label, title, css = cat.label[lang], cat.definition[lang], f"apimap-cat apimap-cat-{value}"
    elif kind == "relation" and value in vocab.relations:
        rel = vocab.relations[value]
        act = "act" if rel.port else "ok"
        label, css = rel.label[lang], f"apimap-rel apimap-rel-{act}"
        title = getattr(conf.strings[f"relation_{act}"], lang)
    elif kind in ("status", "check"):
        key = f"status_{value}" if kind == "status" else f"check_{value}"
        label = getattr(conf.strings[key], lang) if key in conf.strings else value
        title, css = label, f"apimap-status apimap-{TONE.get(value, 'warn')}"
    else:
        msg = inliner.reporter.error(f"unknown apimap badge {text!r}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    node = badge(rawtext, label, classes=["apimap-badge", *css.split()])
    node["apimap_title"] = title
    return [node], []


# --- the theme's own strings ----------------------------------------------------------------------


def set_site_title(app):
    """The site's title in the page's language (conf/ui.yaml ``site_title``): the landing page's <title>
    and every page's title suffix say what the site is, not "apimap"."""
    strings = _conf(app.config).strings
    if "site_title" in strings:
        app.config.html_title = getattr(strings["site_title"], _text_lang(app.config))


def translate_theme_strings(app):
    """Furo's strings ("Back to top", "On this page") in the page's language, from conf/site.yaml's
    ``theme_strings``: added behind Sphinx's own catalog, which has no Chinese for them."""
    import gettext

    from sphinx import locale

    lang = _text_lang(app.config)
    table = {k: getattr(v, lang) for k, v in _conf(app.config).theme_strings.items()}
    translator = locale.translators.get(("general", "sphinx"))
    if not table or translator is None:
        return

    class Theme(gettext.NullTranslations):
        def gettext(self, message):
            return table.get(message, message)

        def ngettext(self, singular, plural, n):
            return table.get(singular if n == 1 else plural, singular if n == 1 else plural)

    translator.add_fallback(Theme())


# --- mapping explorer ------------------------------------------------------------------------------


class explorer(nodes.General, nodes.Element):
    """Placeholder for the mapping explorer; apimap-explorer.js fills it from the published data."""


class ExplorerDirective(SphinxDirective):
    """``{apimap-explorer}``: the filterable, sortable table of every mapping (data from apimap render)."""

    has_content = False

    def run(self):
        data = Path(self.env.srcdir) / EXPLORER_DATA
        if not data.is_file():
            raise self.error(
                f"{EXPLORER_DATA} is missing in the source folder: run `apimap render` first"
            )
        self.env.note_dependency(str(data))
        return [explorer()]


def _visit_explorer(self, node):
    """The explorer's controls and empty table, with strings in the page's language; rows come from JS."""
    config = self.builder.config
    lang = _text_lang(config)
    t = {k: getattr(v, lang) for k, v in _conf(config).strings.items()}
    e = escape
    root = "../" * self.builder.current_docname.count("/")
    cols = [
        ("t", t["col_torch_api"]),
        ("m", t["col_mindspore_api"]),
        ("c", t["col_category"]),
        ("s", t["col_status"]),
        ("mod", t["col_module"]),
    ]
    heads = "".join(
        f'<th scope="col" data-key="{key}" aria-sort="none"><button type="button" class="apimap-sort">{e(label)}'
        f'<span class="apimap-sort-mark" aria-hidden="true"></span></button></th>'
        for key, label in cols
    )
    selects = "".join(
        f'<label class="apimap-explorer-select"><span class="apimap-visually-hidden">{e(label)}</span>'
        f'<select data-filter="{key}"><option value="">{e(t[all_key])}</option></select></label>'
        for key, label, all_key in (
            ("mod", t["col_module"], "explorer_all_modules"),
            ("c", t["col_category"], "explorer_all_categories"),
            ("s", t["col_status"], "explorer_all_statuses"),
            ("v", t["explorer_verified_on"], "explorer_any_release"),
        )
    )
    selects += (
        '<label class="apimap-explorer-check"><input type="checkbox" data-filter="d"> '
        f"{e(t['explorer_divergent'])}</label>"
    )
    strings = {
        k: t[f"explorer_{k}"]
        for k in (
            "count_all",
            "count",
            "shown",
            "more",
            "empty",
            "not_mapped",
            "missing_page",
            "near",
            "no_near",
            "request",
        )
    }
    self.body.append(
        f'<div class="apimap-explorer" data-lang="{e(lang)}" data-root="{e(root)}" '
        f'data-suffix="{e(self.builder.link_suffix)}" '
        f'data-request="{e(_conf(config).request_url)}" '
        f'data-strings="{e(json.dumps(strings, ensure_ascii=False))}">'
        f'<div class="apimap-explorer-controls" role="search">'
        f'<label class="apimap-explorer-query"><span class="apimap-visually-hidden">{e(t["explorer_filter"])}</span>'
        f'<input type="search" data-filter="q" placeholder="{e(t["explorer_placeholder"])}" '
        'autocomplete="off" spellcheck="false" '
        f'aria-label="{e(t["explorer_filter"])}"></label>{selects}'
        f'<button type="button" class="apimap-explorer-reset">{e(t["explorer_reset"])}</button></div>'
        f'<p class="apimap-explorer-count" aria-live="polite">{e(t["explorer_loading"])}</p>'
        f'<div class="apimap-explorer-scroll"><table class="apimap-explorer-table"><thead><tr>{heads}</tr></thead>'
        f"<tbody></tbody></table></div>"
        f'<div class="apimap-explorer-empty" hidden><p>{e(t["explorer_empty"])}</p></div>'
        f'<button type="button" class="apimap-explorer-more" hidden></button>'
        f"<noscript><p>{e(t['explorer_noscript'])}</p></noscript></div>"
    )
    raise nodes.SkipNode


def add_explorer_scripts(app, pagename, templatename, context, doctree):
    """Load the explorer's data and code only on pages that show it; on the search page, the script that sends
    an API name to the explorer."""
    if pagename == "search":
        app.add_js_file(LOOKUP_JS)
        app.add_js_file(SEARCH_DATA_JS, defer="defer")
        app.add_js_file(SEARCH_JS, defer="defer")
    if doctree is not None and any(True for _ in doctree.findall(explorer)):
        app.add_js_file(EXPLORER_DATA_JS, defer="defer")
        app.add_js_file(EXPLORER_JS, defer="defer")


def publish_explorer_data(app):
    """Write _static/apimap-explorer-data.js and apimap-search-data.js from the render's explorer.json and
    snippets.json (only when their bytes change).

    Written before pages are, so script tags get Sphinx's ``?v=checksum`` and browsers never keep stale data."""
    if app.builder.format != "html":
        return
    for source, name, variable in (
        (EXPLORER_DATA, EXPLORER_DATA_JS, "apimapExplorerData"),
        (SNIPPETS_DATA, SEARCH_DATA_JS, "apimapSnippets"),
    ):
        path = Path(app.srcdir) / source
        if not path.is_file():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        text = (
            f"window.{variable} = "
            + json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            + ";\n"
        )
        target = Path(app.outdir) / "_static" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")


def cache_compiled_templates(app) -> None:
    """Keep the theme's compiled Jinja templates between builds (Sphinx compiles them afresh in every process,
    about 0.2 s of each incremental build). The cache lives beside the doctrees; Jinja checks each template's
    source for changes, so an edited template is compiled again."""
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if environment is not None and environment.bytecode_cache is None:
        import jinja2

        directory = Path(app.doctreedir) / "jinja-cache"
        directory.mkdir(parents=True, exist_ok=True)
        environment.bytecode_cache = jinja2.FileSystemBytecodeCache(str(directory))


# --- search and languages --------------------------------------------------------------------------


def add_search_words(app):
    """Teach jieba the glossary's and the vocabulary's Chinese terms, so 学习率 is indexed (and found) as a word."""
    if not (app.config.language or "").startswith("zh"):
        return
    try:
        import jieba
    except ImportError:
        return
    conf = _conf(app.config)
    words = {
        item.label["zh"]
        for item in (*conf.vocab.categories.values(), *conf.vocab.relations.values())
    }
    for term in conf.glossary:
        words.update(w.strip() for w in term.zh.replace("（", "/").replace("）", "").split("/"))
    for word in sorted(w for w in words if w and " " not in w and "，" not in w):
        jieba.add_word(word)


def _fix_chinese_search_stemmer(app) -> None:
    """Sphinx 9.0 writes ``window.Stemmer = ChineseStemmer`` for zh, a class that does not exist (zh uses the
    English stemmer), so the zh search page fails with a ReferenceError (sphinx-doc/sphinx#14229, fixed upstream
    by #14416). Register the same language with the stemmer's real name; harmless once Sphinx has the fix."""
    try:
        from sphinx.search.zh import SearchChinese
    except ImportError:  # jieba-less or future Sphinx layouts: nothing to fix
        return
    if (
        SearchChinese.js_stemmer_rawcode != "english-stemmer.js"
        or SearchChinese.language_name == "English"
    ):
        return
    app.add_search_language(
        type(
            "SearchChinese", (SearchChinese,), {"language_name": "English", "__module__": __name__}
        )
    )


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
    tags = "".join(
        f'\n<link rel="alternate" hreflang="{escape(link["code"].replace("_", "-"))}" '
        f'href="{escape(link["href"])}" />'
        for link in links
    )
    context["metatags"] = context.get("metatags", "") + tags
