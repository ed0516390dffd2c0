/* apimap: a search for something that looks like an API name (torch.optim.AdamW, F.relu, Tensor.view) goes to
 * the mapping explorer, whose exact and prefix matches come first and which offers near matches when nothing
 * is mapped. Full-text search stays for words (学习率, "learning rate"). Loaded on the search page only. */
(function () {
  "use strict";
  var q = (new URLSearchParams(location.search).get("q") || "").trim();
  if (/^[A-Za-z_]\w*(\.\w+)+$/.test(q)) location.replace("index.html?q=" + encodeURIComponent(q));
})();
