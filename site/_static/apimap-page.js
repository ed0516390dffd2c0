/* Every page's furniture.
   - The language switch keeps where the reader is: the explorer's filters (?q=...) and the section (#...).
     Mapping pages label their sections the same in both languages, so the anchor exists on the other side.
   - Copy buttons get an accessible name that says what they copy ("Copy code: MindSpore").
   - API names break only after a dot; tables carry their column names for the phone layout (apimap.css). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.apimap-lang-link");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
    var href = link.getAttribute("href").replace(/[?#].*$/, "");
    link.setAttribute("href", href + location.search + location.hash);
  });

  var copy = (document.documentElement.lang || "").indexOf("zh") === 0 ? "复制代码" : "Copy code";
  function nameCopyButtons() {
    document.querySelectorAll("button.copybtn:not([aria-label])").forEach(function (button) {
      var tab = button.closest(".sd-tab-content"), label = "";
      if (tab && tab.previousElementSibling && tab.previousElementSibling.tagName === "LABEL") {
        label = tab.previousElementSibling.textContent.trim();
      }
      button.setAttribute("aria-label", label ? copy + ": " + label : copy);
    });
  }
  // API names break only after a dot ("torch.optim.<wbr>AdamW", never "Ada/mW"): a <wbr> after each dot in the
  // title and in the code spans of tables and lists; the text itself (search, copy) is unchanged
  function breakAfterDots(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), nodes = [];
    while (walker.nextNode()) if (/\w\.\w/.test(walker.currentNode.nodeValue)) nodes.push(walker.currentNode);
    nodes.forEach(function (node) {
      var parts = node.nodeValue.split(/(?<=\w\.)(?=\w)/), frag = document.createDocumentFragment();
      parts.forEach(function (part, i) {
        if (i) frag.appendChild(document.createElement("wbr"));
        frag.appendChild(document.createTextNode(part));
      });
      node.parentNode.replaceChild(frag, node);
    });
  }
  document.querySelectorAll("article h1, article td code, article li > p > code, .apimap-counterparts code").forEach(breakAfterDots);

  // phones show tables as cards: each cell is labelled by its column's header
  document.querySelectorAll("article table.docutils").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      Array.prototype.forEach.call(tr.children, function (td, i) {
        if (heads[i]) td.setAttribute("data-label", heads[i]);
        if (!td.textContent.trim()) td.setAttribute("data-empty", "");
      });
    });
  });

  // sphinx-copybutton adds its buttons once the document has loaded
  if (document.readyState === "complete") nameCopyButtons();
  else window.addEventListener("load", nameCopyButtons);
})();
