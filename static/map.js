// Switches the landing page's map between participants, laureates and signatories.
// The shapes and the counts are in the page (server-drawn SVG); this only recolours.
(function () {
  "use strict";
  var svg = document.getElementById("europe-map");
  if (!svg) return;
  var layers = ["participants", "laureates", "signatories"];
  function show(layer) {
    var index = layers.indexOf(layer);
    if (index < 0) return;
    svg.setAttribute("data-layer", layer);
    var paths = svg.querySelectorAll("path[data-code]");
    for (var i = 0; i < paths.length; i++) {
      var p = paths[i];
      var bin = (p.getAttribute("data-bins") || "0 0 0").split(" ")[index];
      p.setAttribute("class", "c" + bin);
      var title = p.querySelector("title");
      if (title) title.textContent = title.textContent.replace(/: \d+$/, "") + ": " + p.getAttribute("data-" + layer);
    }
  }
  var radios = document.querySelectorAll('input[name="layer"]');
  for (var i = 0; i < radios.length; i++) {
    radios[i].addEventListener("change", function (e) { show(e.target.value); });
    if (radios[i].checked) show(radios[i].value);
  }
})();
