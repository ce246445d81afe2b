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
