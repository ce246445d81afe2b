// Progressive enhancement: a filter form submits as soon as a choice changes, so
// filtering feels immediate. Without JavaScript the "Apply" button does the same.
document.addEventListener("change", function (event) {
  var form = event.target.form;
  if (!form || !form.classList.contains("js-autosubmit")) return;
  if (event.target.type === "text" || event.target.type === "search") return;
  if (typeof form.requestSubmit === "function") form.requestSubmit();
  else form.submit();
});

// Keep shared addresses short: empty filters are not sent (?region=013&year=2020, not
// ?year=2020&region=013&country=&theme=...).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.classList || !form.classList.contains("js-autosubmit")) return;
  Array.prototype.forEach.call(form.elements, function (element) {
    if (element.name && element.value === "") element.disabled = true;
  });
});

// A table wider than the screen scrolls sideways inside its .table-wrap. The keyboard
// must reach it to scroll it (WCAG 2.1.1), so a wrap that scrolls becomes a focusable
// region named by its table's caption; one that fits stays out of the tab order.
function markScrollingTables() {
  document.querySelectorAll(".table-wrap").forEach(function (wrap) {
    var caption = wrap.querySelector("caption");
    if (wrap.scrollWidth > wrap.clientWidth) {
      wrap.tabIndex = 0;
      if (caption) {
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", caption.textContent.trim());
      }
    } else {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
  });
}
window.addEventListener("load", markScrollingTables);
window.addEventListener("resize", markScrollingTables);

// The map: the figure of the country or region under the pointer or the keyboard's focus
// is written under the map (each link's accessible name already says it to screen readers).
(function () {
  var readout = document.querySelector(".map-readout");
  var svg = document.querySelector(".map-svg");
  if (!readout || !svg) return;
  function show(event) {
    var link = event.target.closest && event.target.closest("a[aria-label]");
    if (link && svg.contains(link)) readout.textContent = link.getAttribute("aria-label");
  }
  svg.addEventListener("focusin", show);
  svg.addEventListener("mouseover", show);
})();

// The map's numbers and circles keep a readable size on screen whatever the map's width
// (a phone draws the 1000-unit map at a third of its size): their sizes are set in map
// units from the drawn width. Without JavaScript they are drawn at their desktop size.
(function () {
  var svg = document.querySelector(".map-svg");
  if (!svg || !svg.viewBox || !svg.viewBox.baseVal) return;
  var SCREEN_PIXELS = 15;
  function fit() {
    var drawn = svg.getBoundingClientRect().width;
    if (!drawn) return;
    var unitsPerPixel = svg.viewBox.baseVal.width / drawn;
    Array.prototype.forEach.call(svg.querySelectorAll(".map-region"), function (region) {
      var circle = region.querySelector("circle");
      var label = region.querySelector("text");
      if (!circle || !label) return;
      var size = SCREEN_PIXELS * unitsPerPixel;
      // Circles keep their size on screen, down to 55 % on a phone's narrow map.
      var radius = parseFloat(circle.getAttribute("data-radius"));
      if (radius) {
        var shrink = Math.min(Math.max(drawn / 1000, 0.55), 1);
        circle.setAttribute("r", (radius * shrink * unitsPerPixel).toFixed(2));
      }
      label.setAttribute("font-size", size.toFixed(2));
      label.setAttribute("stroke-width", (size / 6).toFixed(2));
      var x = parseFloat(circle.getAttribute("cx")) + parseFloat(circle.getAttribute("r")) + size / 4;
      label.setAttribute("x", x.toFixed(1));
      label.setAttribute("y", (parseFloat(circle.getAttribute("cy")) + size / 3).toFixed(1));
    });
  }
  fit();
  window.addEventListener("resize", fit);
})();
