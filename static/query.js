// The query editor: YASGUI (served by this app from npm's @zazuko/yasgui) on /sparql,
// buttons that load the example queries of queries/*.rq into it, and what makes it
// friendlier: simple values by default ("1", not "1"^^xsd:integer), the PREFIX line added
// as soon as a known prefix is typed (the list of /guide/prefixes.json), a query given in
// the address (#query=..., as the guide links), and its controls in French on French pages.
(function () {
  "use strict";
  var el = document.getElementById("yasgui");
  if (!el || typeof Yasgui === "undefined") return;
  // completion of prefixes (from this server) and variables only: the class and property
  // completers would ask a third-party service, which this site never contacts
  if (Yasgui.Yasqe && Yasgui.Yasqe.defaults) {
    Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  }
  var endpoint = new URL(el.getAttribute("data-endpoint") || "/sparql", window.location.href).href;
  var yasgui = new Yasgui(el, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: null,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasqe: { prefixCcApi: el.getAttribute("data-prefixes") || undefined }
  });
  window.allianceYasgui = yasgui;

  // simple values in the results table unless the user switches them off (per tab)
  function simpleValues(tab) {
    var yasr = tab && tab.getYasr && tab.getYasr();
    if (!yasr || !yasr.config.plugins.table || yasr.allianceDefaults) return;
    yasr.allianceDefaults = true;
    var current = yasr.config.plugins.table.dynamicConfig || {};
    if (current.compact === undefined) {
      yasr.storePluginConfig("table", Object.assign({ compact: true, isEllipsed: false }, current));
    }
  }
  simpleValues(yasgui.getTab());
  ["tabSelect", "tabAdd", "tabChange"].forEach(function (event) {
    yasgui.on(event, function () { setTimeout(function () { simpleValues(yasgui.getTab()); }, 0); });
  });

  // -- the interface in French ------------------------------------------------------------
  var words = JSON.parse((document.getElementById("editor-words") || {}).textContent || "{}");
  function translate(root) {
    if (!Object.keys(words).length) return;
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var node;
    while ((node = walker.nextNode())) {
      var text = node.nodeValue.trim();
      if (text && Object.prototype.hasOwnProperty.call(words, text)) {
        node.nodeValue = node.nodeValue.replace(text, words[text]);
      } else if (text) {
        // "Showing 1 to 10 of 20 entries", "3 results in 0.05 seconds"
        Object.keys(words).forEach(function (key) {
          if (key.indexOf("{n}") < 0) return;
          var pattern = new RegExp("^" + key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\\\{n\\\}/g, "([\\d.,]+)") + "$");
          var m = text.match(pattern);
          if (m) {
            var i = 1;
            node.nodeValue = words[key].replace(/\{n\}/g, function () { return m[i++]; });
          }
        });
      }
    }
    var attributed = root.querySelectorAll ? root.querySelectorAll("[title],[placeholder],[aria-label]") : [];
    for (var j = 0; j < attributed.length; j++) {
      ["title", "placeholder", "aria-label"].forEach(function (name) {
        var value = attributed[j].getAttribute(name);
        if (value && Object.prototype.hasOwnProperty.call(words, value.trim())) {
          attributed[j].setAttribute(name, words[value.trim()]);
        }
      });
    }
  }
  Object.keys(words).forEach(function (key) { if (words[key] === key) delete words[key]; });
  if (Object.keys(words).length) {
    var options = { childList: true, subtree: true, characterData: true };
    var observer = new MutationObserver(function () {
      observer.disconnect(); // our own changes must not call us again
      try { translate(el); } finally { observer.takeRecords(); observer.observe(el, options); }
    });
    translate(el);
    observer.observe(el, options);
  }

  // -- example queries, and a query given in the address ------------------------------------
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
  var given = new URLSearchParams(window.location.hash.slice(1)).get("query");
  var tab = yasgui.getTab();
  if (given && tab) {
    tab.setQuery(given);
    tab.query();
  } else if (examples.length && !new URLSearchParams(window.location.search).get("query")) {
    if (tab && !tab.getQuery().trim().length) tab.setQuery(examples[0].query);
  }
})();
