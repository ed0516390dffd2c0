/* Every page's furniture.
   - The language switch keeps where the reader is: the explorer's filters (?q=...) and the section (#...).
     Mapping pages label their sections the same in both languages, so the anchor exists on the other side.
   - Copy buttons get an accessible name that says what they copy ("Copy code: MindSpore"). */
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
  // sphinx-copybutton adds its buttons once the document has loaded
  if (document.readyState === "complete") nameCopyButtons();
  else window.addEventListener("load", nameCopyButtons);
})();
