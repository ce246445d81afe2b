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
