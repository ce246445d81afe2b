/* The "Log a training" form: live totals, more rows, date precision, work kept locally.
   No inline script anywhere, so the Content-Security-Policy can stay strict. */
(function () {
  "use strict";
  var form = document.querySelector("form.activity-form");
  if (!form) { return; }
  var table = document.getElementById("beneficiary-rows");
  // The total of all rows, under the table and in the form's footer (kept in view).
  var grands = document.querySelectorAll("[data-grand-total]");
  // Numbers and words in the page's language: the words come translated from the
  // template (data-text-* on the form), so no script catalog is needed.
  var numberFormat = new Intl.NumberFormat(document.documentElement.lang || "en");
  var texts = form.dataset;
  function text(name, english) { return texts[name] || english; }

  function count(input) {
    if (!input || input.value.trim() === "") { return 0; }
    var value = parseInt(input.value, 10);
    return isNaN(value) || value < 0 ? NaN : value;
  }

  function rowIsDeleted(row) {
    var box = row.querySelector("input[name$='-DELETE']");
    return box && box.checked;
  }

  function updateTotals() {
    if (!table) { return; }
    var sum = 0;
    var bad = false;
    table.querySelectorAll("tbody tr[data-row]").forEach(function (row) {
      var female = count(row.querySelector("[data-count='female']"));
      var male = count(row.querySelector("[data-count='male']"));
      var notRecorded = count(row.querySelector("[data-count='not_recorded']"));
      var totalInput = row.querySelector("[data-count='total']");
      var split = female + male + notRecorded;
      var cell = row.querySelector("[data-row-total]");
      var mismatch = totalInput && totalInput.value.trim() !== "" && count(totalInput) !== split;
      row.classList.toggle("row-mismatch", Boolean(mismatch));
      if (isNaN(split)) {
        cell.textContent = "?";
        bad = true;
      } else if (mismatch) {
        cell.textContent = numberFormat.format(split) + " ≠ " + totalInput.value;
        bad = true;
      } else {
        cell.textContent = split ? numberFormat.format(split) : "";
      }
      if (!rowIsDeleted(row) && !isNaN(split)) { sum += split; }
    });
    var shown = numberFormat.format(sum) + (bad ? " " + text("textCheck", "(check the marked rows)") : "");
    grands.forEach(function (grand) { grand.textContent = shown; });
  }

  var totalForms = form.querySelector("input[name='rows-TOTAL_FORMS']");
  var template = document.getElementById("empty-row");
  var addButton = document.getElementById("add-row");

  function addRow() {
    var index = parseInt(totalForms.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    table.querySelector("tbody").insertAdjacentHTML("beforeend", html);
    totalForms.value = String(index + 1);
    updateTotals();
    return table.querySelector("tbody tr[data-row]:last-child");
  }

  if (template && addButton && totalForms) {
    addButton.hidden = false;
    addButton.addEventListener("click", function () {
      var row = addRow();
      var first = row && row.querySelector("select, input");
      if (first) { first.focus(); }
    });
  }

  // Show the year for "only the year is known", the dates otherwise.
  function updatePrecision() {
    var checked = form.querySelector("input[name='date_precision']:checked");
    var precision = checked ? checked.value : "day";
    form.querySelectorAll("[data-precision]").forEach(function (block) {
      var wanted = block.getAttribute("data-precision").split(" ");
      block.hidden = wanted.indexOf(precision) === -1 && !block.querySelector(".error");
    });
  }
  form.querySelectorAll("input[name='date_precision']").forEach(function (radio) {
    radio.addEventListener("change", updatePrecision);
  });

  // Work kept locally: what is typed is saved in this browser until the server says saved.
  var key = "tacbapp:form:" + form.getAttribute("data-autosave");
  var status = document.getElementById("autosave-status");
  var storage = null;
  try { storage = window.localStorage; } catch (error) { storage = null; }

  function snapshot() {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || element.type === "hidden" && element.name !== "rows-TOTAL_FORMS") { return; }
      if (element.name === "csrfmiddlewaretoken") { return; }
      if (element.type === "checkbox" || element.type === "radio") {
        if (element.checked) { (values[element.name] = values[element.name] || []).push(element.value); }
      } else if (element.multiple) {
        values[element.name] = Array.prototype.filter.call(element.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        values[element.name] = element.value;
      }
    });
    return values;
  }

  function restore(values) {
    var wantedRows = parseInt(values["rows-TOTAL_FORMS"] || "0", 10);
    while (template && parseInt(totalForms.value, 10) < wantedRows) { addRow(); }
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || !(element.name in values) || element.type === "hidden") { return; }
      var value = values[element.name];
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = value.indexOf(element.value) !== -1;
      } else if (element.multiple) {
        Array.prototype.forEach.call(element.options, function (o) { o.selected = value.indexOf(o.value) !== -1; });
      } else {
        element.value = value;
      }
    });
    updatePrecision();
    updateTotals();
  }

  if (storage) {
    var saved = document.querySelector(".messages .message-success");
    if (saved) {
      storage.removeItem(key);
      storage.removeItem("tacbapp:form:new-activity");
    }
    var boundByServer = document.getElementById("error-summary") || document.querySelector(".conflict");
    var stored = storage.getItem(key);
    if (stored && !boundByServer) {
      var data = JSON.parse(stored);
      var offer = document.createElement("p");
      offer.className = "restore";
      offer.setAttribute("role", "status");
      var when = new Date(data.at).toLocaleString(document.documentElement.lang || undefined);
      offer.textContent =
        text("textUnsaved", "You have unsaved input from {when}.").replace("{when}", when) + " ";
      var yes = document.createElement("button");
      yes.type = "button";
      yes.textContent = text("textRestore", "Restore it");
      var no = document.createElement("button");
      no.type = "button";
      no.className = "secondary";
      no.textContent = text("textDiscard", "Discard it");
      offer.appendChild(yes);
      offer.appendChild(no);
      form.insertBefore(offer, form.firstChild);
      yes.addEventListener("click", function () { restore(data.values); offer.remove(); });
      no.addEventListener("click", function () { storage.removeItem(key); offer.remove(); });
    }
    var timer = null;
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        try {
          storage.setItem(key, JSON.stringify({ at: Date.now(), values: snapshot() }));
          if (status) { status.textContent = text("textKept", "Kept in this browser until saved."); }
        } catch (error) { /* storage full or blocked: the server still keeps input on errors */ }
      }, 400);
    });
  }

  form.addEventListener("input", updateTotals);
  form.addEventListener("change", updateTotals);
  updatePrecision();
  updateTotals();
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
