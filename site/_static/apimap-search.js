/* apimap: each search result shows its mapping's summary line (window.apimapSnippets, published with the
 * site), so a search loads no result pages; Sphinx's own page-fetching snippets are off
 * (html_show_search_summary). Loaded on the search page only. */
(function () {
  "use strict";
  var snippets = window.apimapSnippets || {};
  function annotate(li) {
    if (li.dataset.apimapSnippet) return;
    li.dataset.apimapSnippet = "1";
    var link = li.querySelector("a");
    var key = link && link.getAttribute("href").replace(/[?#].*$/, "").replace(/\.html$/, "");
    if (!key || !snippets[key]) return;
    var p = document.createElement("p");
    p.className = "context apimap-snippet";
    p.textContent = snippets[key];
    li.appendChild(p);
  }
  function start() {
    var results = document.getElementById("search-results");
    if (!results) return;
    results.querySelectorAll("li").forEach(annotate);
    new MutationObserver(function () { results.querySelectorAll("li").forEach(annotate); })
      .observe(results, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
