/* apimap mapping explorer: instant filter, select filters, sortable columns over window.apimapExplorerData.
 *
 * Hand-written on purpose (about 200 lines, no dependency): the table is plain rows of short strings, so
 * filtering is one pass over precomputed lowercase keys, and only the first rows of a result are put in the
 * DOM (more on demand), which keeps a keystroke over 5,000 rows at a few milliseconds.
 * State lives in the URL (?q=adam&c=defaults_differ&sort=-t) so a filtered view can be linked.
 */
(function () {
  "use strict";
  var PAGE = 40; // rows put in the DOM at a time: few elements to style and lay out per keystroke
  var FIT = 12; // up to this many rows, the table's box shrinks to fit them
  var TONE = { passed: "ok", xfailed: "ok", failed: "bad", errored: "bad", xpassed: "bad" }; // else "warn"

  function init(box) {
    var data = window.apimapExplorerData;
    var countEl = box.querySelector(".apimap-explorer-count");
    if (!data || !data.rows) {
      countEl.textContent = "apimap: mapping data missing (_static/apimap-explorer-data.js)";
      return;
    }
    var lang = box.dataset.lang || "en";
    var root = box.dataset.root || "";
    var suffix = box.dataset.suffix || ".html";
    var text = JSON.parse(box.dataset.strings || "{}");
    var tbody = box.querySelector("tbody");
    var more = box.querySelector(".apimap-explorer-more");
    var scroller = box.querySelector(".apimap-explorer-scroll");
    var empty = box.querySelector(".apimap-explorer-empty");
    var input = box.querySelector('input[data-filter="q"]');
    var divergent = box.querySelector('input[data-filter="d"]'); // only mappings whose probe found divergences
    var selects = {};
    box.querySelectorAll("select[data-filter]").forEach(function (s) { selects[s.dataset.filter] = s; });

    var cats = {}, catOrder = {};
    data.categories.forEach(function (c, i) { cats[c.id] = c; catOrder[c.id] = i; });
    var stats = {}, statOrder = {};
    data.statuses.forEach(function (s, i) { stats[s.id] = s; statOrder[s.id] = i; });
    function label(obj, id) { return obj[id] ? (obj[id].label[lang] || obj[id].label.en || id) : id; }

    // One record per mapping, with everything filtering and sorting need computed once.
    var rows = data.rows.map(function (r) {
      var mod = r.t.slice(0, r.t.lastIndexOf("."));
      var cat = cats[r.c];
      var key = (r.t + " " + r.m + " " + (cat ? cat.label.en + " " + cat.label.zh : r.c)).toLowerCase();
      return { t: r.t, m: r.m, c: r.c, s: r.s, d: r.d || 0, v: r.v || [], mod: mod, p: r.p, key: key, tr: null };
    });

    fillSelect(selects.mod, unique(rows.map(function (r) { return r.mod; })).sort(), function (m) { return m; });
    fillSelect(selects.c, data.categories.map(function (c) { return c.id; }), function (id) { return label(cats, id); });
    fillSelect(selects.s, data.statuses.map(function (s) { return s.id; }), function (id) { return label(stats, id); });
    var releases = data.releases || []; // the version matrix: "verified on MindSpore X"
    if (selects.v) {
      fillSelect(selects.v, releases, function (v) { return "MindSpore " + v; });
      if (!releases.length) selects.v.parentNode.hidden = true;
    }

    var sortKey = "t", sortDir = 1, limit = PAGE, matched = [];
    var missingPage = new URLSearchParams(location.search).get("missing") || ""; // sent by the site's 404 page
    var sorters = {
      t: function (r) { return r.t.toLowerCase(); },
      m: function (r) { return r.m.toLowerCase() || "\uffff"; },
      c: function (r) { return catOrder[r.c]; },
      s: function (r) { return statOrder[r.s]; },
      mod: function (r) { return r.mod; }
    };

    function unique(list) { return Array.from(new Set(list)); }

    function fillSelect(sel, values, text) {
      if (!sel) return;
      var seen = {};
      values.forEach(function (v) {
        if (seen[v]) return;
        seen[v] = true;
        var o = document.createElement("option");
        o.value = v;
        o.textContent = text(v);
        sel.appendChild(o);
      });
    }

    function cell(tr, content, cls) {
      var td = document.createElement("td");
      if (cls) td.className = cls;
      if (content) td.appendChild(content);
      tr.appendChild(td);
    }

    function apiName(el, name, fits) { // long names may wrap after a dot (short ones stay one text node: cheap)
      if (name.length <= (fits || 24)) { el.textContent = name; return el; }
      name.split(".").forEach(function (part, i) {
        if (i) { el.appendChild(document.createTextNode(".")); el.appendChild(document.createElement("wbr")); }
        el.appendChild(document.createTextNode(part));
      });
      return el;
    }

    function badge(kind, id, obj) {
      var b = document.createElement("span");
      b.className = kind === "c" ? "apimap-badge apimap-cat apimap-cat-" + id : "apimap-badge apimap-status apimap-" + (TONE[id] || "warn");
      b.textContent = label(obj, id);
      var def = kind === "c" && obj[id] ? obj[id].definition[lang] || "" : "";
      if (def) { // reachable by keyboard and touch too: focus shows it (apimap.css), the label says it
        b.title = def;
        b.tabIndex = 0;
        b.dataset.def = def;
        b.setAttribute("aria-label", b.textContent + ": " + def);
      }
      return b;
    }

    function rowElement(r) {
      if (r.tr) return r.tr;
      var tr = document.createElement("tr");
      var a = document.createElement("a");
      a.href = root + "maps/" + r.p + suffix;
      apiName(a, r.t);
      cell(tr, a, "apimap-explorer-api");
      cell(tr, apiName(document.createElement("span"), r.m || "\u2014"), "apimap-explorer-api");
      cell(tr, badge("c", r.c, cats));
      cell(tr, badge("s", r.s, stats));
      cell(tr, apiName(document.createElement("span"), r.mod, 12), "apimap-explorer-module");
      r.tr = tr;
      return tr;
    }

    function sortRows() {
      var get = sorters[sortKey];
      rows.sort(function (a, b) {
        var x = get(a), y = get(b);
        if (x < y) return -sortDir;
        if (x > y) return sortDir;
        return a.t < b.t ? -1 : a.t > b.t ? 1 : 0;
      });
      box.querySelectorAll("th[data-key]").forEach(function (th) {
        th.setAttribute("aria-sort", th.dataset.key === sortKey ? (sortDir > 0 ? "ascending" : "descending") : "none");
      });
    }

    function filter() {
      var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      // F.relu also as torch.nn.functional.relu (null: the same as the term, nothing more to look for)
      var wide = input.value.split(/\s+/).filter(Boolean).map(function (t, i) { var w = canonical(t); return w === terms[i] ? null : w; });
      var mod = selects.mod ? selects.mod.value : "", c = selects.c ? selects.c.value : "", s = selects.s ? selects.s.value : "";
      var v = selects.v ? selects.v.value : "";
      matched = [];
      for (var i = 0; i < rows.length; i++) {
        var r = rows[i];
        if ((mod && r.mod !== mod) || (c && r.c !== c) || (s && r.s !== s)) continue;
        if (divergent && divergent.checked && !r.d) continue;
        if (v && r.v.indexOf(v) === -1) continue;
        var ok = true;
        for (var j = 0; j < terms.length && ok; j++) ok = r.key.indexOf(terms[j]) !== -1 || (wide[j] !== null && r.key.indexOf(wide[j]) !== -1);
        if (ok) matched.push(r);
      }
      show();
    }

    function show(from) { // from: rows already in the table (when appending the next page)
      var shown = matched.slice(0, limit);
      if (from) tbody.append.apply(tbody, shown.slice(from).map(rowElement));
      else tbody.replaceChildren.apply(tbody, shown.map(rowElement));
      var count = (matched.length === rows.length ? text.count_all : text.count)
        .replace("{matched}", matched.length.toLocaleString()).replace("{total}", rows.length.toLocaleString());
      if (shown.length < matched.length) count += text.shown.replace("{shown}", shown.length.toLocaleString());
      countEl.textContent = count;
      var rest = matched.length - shown.length;
      more.hidden = rest <= 0;
      if (rest > 0) more.textContent = text.more.replace("{n}", Math.min(rest, PAGE).toLocaleString());
      empty.hidden = matched.length !== 0 && !missingPage;
      if (!empty.hidden) notMapped();
      box.classList.toggle("apimap-explorer-fit", shown.length <= FIT); // a short result: no empty viewport below it
      box.dataset.shown = String(shown.length);
      box.dataset.matched = String(matched.length);
    }

    // --- a lookup that finds nothing: say so, offer the nearest names the site knows, and a request link ---
    var ALIASES = [[/^F\./, "torch.nn.functional."], [/^nn\./, "torch.nn."], [/^(x|t|tensor)\./i, "torch.Tensor."],
                   [/^ms\./, "mindspore."], [/^ops\./, "mindspore.ops."], [/^mint\./, "mindspore.mint."]];
    function expand(q) { // F.relu -> torch.nn.functional.relu, Tensor.view -> torch.Tensor.view
      q = q.trim().replace(/\(.*$/, "").replace(/\.html$/, "");
      ALIASES.forEach(function (a) { q = q.replace(a[0], a[1]); });
      return q;
    }
    function canonical(q) { return expand(q).toLowerCase(); }
    function leaf(name) { return name.slice(name.lastIndexOf(".") + 1).replace(/_$/, ""); }
    function distance(a, b) { // Levenshtein, small strings only
      if (Math.abs(a.length - b.length) > 3) return 9;
      var prev = [], cur, i, j;
      for (j = 0; j <= b.length; j++) prev[j] = j;
      for (i = 1; i <= a.length; i++) {
        cur = [i];
        for (j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = cur;
      }
      return prev[b.length];
    }
    function nearest(query) {
      var q = canonical(query), ql = leaf(q), seen = {}, scored = [];
      if (!ql) return [];
      rows.forEach(function (r) {
        [r.t, r.m].forEach(function (name) {
          if (!name) return;
          var n = name.toLowerCase(), nl = leaf(n), score;
          if (n === q) score = 0;
          else if (nl === ql) score = 1;
          else if (ql.length > 2 && (nl.indexOf(ql) === 0 || ql.indexOf(nl) === 0)) score = 2;
          else if (ql.length > 3 && nl.indexOf(ql) !== -1) score = 3;
          else { var d = distance(nl, ql); score = d <= Math.max(1, Math.floor(ql.length / 4)) ? 3 + d : 99; }
          if (score < 99 && (!(r.p in seen) || seen[r.p].score > score)) seen[r.p] = { r: r, score: score };
        });
      });
      Object.keys(seen).forEach(function (p) { scored.push(seen[p]); });
      scored.sort(function (a, b) { return a.score - b.score || (a.r.t < b.r.t ? -1 : 1); });
      return scored.slice(0, 6).map(function (s) { return s.r; });
    }
    function notMapped() {
      var q = input.value.trim();
      var para = function (t) { var p = document.createElement("p"); p.textContent = t; return p; };
      var parts = [];
      if (missingPage) parts.push(para(text.missing_page.replace("{page}", missingPage)));
      if (!q || matched.length) { if (!missingPage) parts.push(para(text.empty)); empty.replaceChildren.apply(empty, parts); return; }
      parts.push(para(text.not_mapped.replace("{api}", q)));
      var near = nearest(q);
      if (near.length) {
        parts.push(para(text.near));
        var ul = document.createElement("ul");
        ul.className = "apimap-explorer-near";
        near.forEach(function (r) {
          var li = document.createElement("li"), a = document.createElement("a");
          a.href = root + "maps/" + r.p + suffix;
          a.textContent = r.t + (r.m ? " \u2192 " + r.m : "");
          li.appendChild(a);
          li.appendChild(document.createTextNode(" "));
          li.appendChild(badge("c", r.c, cats));
          ul.appendChild(li);
        });
        parts.push(ul);
      } else parts.push(para(text.no_near));
      if (box.dataset.request) {
        var ask = document.createElement("a");
        ask.className = "apimap-explorer-request";
        ask.href = box.dataset.request.replace("{api}", encodeURIComponent(expand(q)));
        ask.textContent = text.request;
        ask.rel = "noopener";
        var p = document.createElement("p");
        p.appendChild(ask);
        parts.push(p);
      }
      empty.replaceChildren.apply(empty, parts);
    }

    function showMore() {
      var from = Math.min(limit, matched.length);
      if (from >= matched.length) return;
      limit += PAGE;
      show(from);
    }

    function saveState() {
      var q = new URLSearchParams(location.search);
      [["q", input.value.trim()], ["module", selects.mod && selects.mod.value], ["category", selects.c && selects.c.value],
       ["status", selects.s && selects.s.value], ["divergent", divergent && divergent.checked ? "1" : ""], ["release", selects.v && selects.v.value], ["sort", sortKey === "t" && sortDir > 0 ? "" : (sortDir < 0 ? "-" : "") + sortKey]]
        .forEach(function (kv) { if (kv[1]) q.set(kv[0], kv[1]); else q.delete(kv[0]); });
      var qs = q.toString();
      history.replaceState(null, "", location.pathname + (qs ? "?" + qs : "") + location.hash);
    }

    function loadState() {
      var q = new URLSearchParams(location.search);
      input.value = q.get("q") || "";
      if (divergent) divergent.checked = q.get("divergent") === "1";
      [["mod", "module"], ["c", "category"], ["s", "status"], ["v", "release"]].forEach(function (kv) {
        var sel = selects[kv[0]], v = q.get(kv[1]);
        if (sel && v && sel.querySelector('option[value="' + CSS.escape(v) + '"]')) sel.value = v;
      });
      var sort = q.get("sort") || "";
      if (sorters[sort.replace(/^-/, "")]) { sortKey = sort.replace(/^-/, ""); sortDir = sort[0] === "-" ? -1 : 1; }
    }

    var saveTimer = 0;
    function changed() {
      limit = PAGE;
      if (scroller.scrollTop) scroller.scrollTop = 0; // a new result starts at its top
      filter();
      clearTimeout(saveTimer); // the URL follows once typing pauses (history updates are slow and rate-limited)
      saveTimer = setTimeout(saveState, 400);
    }

    input.addEventListener("input", changed);
    Object.keys(selects).forEach(function (k) { selects[k].addEventListener("change", changed); });
    if (divergent) divergent.addEventListener("change", changed);
    box.querySelectorAll("th[data-key] button").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var key = btn.parentNode.dataset.key;
        sortDir = key === sortKey ? -sortDir : 1;
        sortKey = key;
        sortRows();
        changed();
      });
    });
    more.addEventListener("click", showMore);
    scroller.addEventListener("scroll", function () { // scrolling near the end brings the next rows in
      if (scroller.scrollTop + scroller.clientHeight > scroller.scrollHeight - 120) showMore();
    }, { passive: true });
    box.querySelector(".apimap-explorer-reset").addEventListener("click", function () {
      input.value = "";
      Object.keys(selects).forEach(function (k) { selects[k].value = ""; });
      if (divergent) divergent.checked = false;
      changed();
      input.focus();
    });

    loadState();
    sortRows();
    filter();
    box.classList.add("apimap-explorer-ready");
  }

  function start() { document.querySelectorAll(".apimap-explorer").forEach(init); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
