// The query editor: YASGUI (served by this app from npm's @zazuko/yasgui) on /sparql,
// and buttons that load the example queries of queries/*.rq into it.
(function () {
  "use strict";
  var el = document.getElementById("yasgui");
  if (!el || typeof Yasgui === "undefined") return;
  var endpoint = new URL(el.getAttribute("data-endpoint") || "/sparql", window.location.href).href;
  var yasgui = new Yasgui(el, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: null,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } }
  });
  window.allianceYasgui = yasgui;
  var examples = JSON.parse(document.getElementById("example-queries").textContent || "[]");
  var byName = {};
  examples.forEach(function (e) { byName[e.name] = e; });
  var buttons = document.querySelectorAll("button.load-example");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener("click", function (ev) {
      var example = byName[ev.currentTarget.getAttribute("data-example")];
      if (!example) return;
      var tab = yasgui.getTab();
      tab.setQuery(example.query);
      tab.setName && tab.setName(example.title);
      tab.query();
      el.scrollIntoView();
    });
  }
  if (examples.length && !new URLSearchParams(window.location.search).get("query")) {
    var tab = yasgui.getTab();
    if (tab && !tab.getQuery().trim().length) tab.setQuery(examples[0].query);
  }
})();
