/* The language switch keeps where the reader is: the explorer's filters (?q=...) and the section (#...).
   Mapping pages label their sections the same in both languages, so the anchor exists on the other side. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.apimap-lang-link");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
    var href = link.getAttribute("href").replace(/[?#].*$/, "");
    link.setAttribute("href", href + location.search + location.hash);
  });
})();
