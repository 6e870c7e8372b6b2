/* Keyboard helpers of the counter (issue 15). Every page works without this file: it only saves keystrokes.
   - registration: the property a house code names is fetched and shown as soon as the code is complete (or
     on Enter, the way a scanner ends), the new-property fields are hidden for a property on file, empty
     landlord rows take the landlords of its latest lease, the rented area follows the floor area and the
     term's end follows its start (one year) until the clerk types them;
   - collection: the change (找零) is shown while the amount tendered is typed (integer fen, no floats). */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  // ---------------------------------------------------------------- registration
  function initLeaseForm(form) {
    var code = $("house_code"), card = $("property-card"), fresh = $("new-property");
    var lookup = $("lookup-field"), rented = $("rented_area"), floor = $("floor_area");
    var start = $("start_date"), end = $("end_date");
    var lastCode = null, autoRented = rented && !rented.value, autoEnd = end && !end.value;
    if (lookup) lookup.hidden = true;  // looked up while typing instead

    function normal(v) { return (v || "").replace(/\s+/g, "").toUpperCase(); }

    function fillLandlords(found) {
      var data = [];
      try { data = JSON.parse((found.querySelector("#found-landlords") || {}).textContent || "[]"); } catch (e) { data = []; }
      var filled = false;
      var anyTyped = false;
      for (var i = 0; $("landlords-" + i + "-name"); i++) {
        if ($("landlords-" + i + "-name").value || $("landlords-" + i + "-id_number").value) anyTyped = true;
      }
      if (anyTyped) return false;
      data.forEach(function (p, i) {
        if (!$("landlords-" + i + "-name")) return;
        $("landlords-" + i + "-name").value = p.name;
        $("landlords-" + i + "-id_type").value = p.id_type;
        $("landlords-" + i + "-id_number").value = p.id_number;
        $("landlords-" + i + "-phone").value = p.phone || "";
        filled = true;
      });
      return filled;
    }

    var pending = Promise.resolve(), landlordsFilled = false;

    function show(html) {
      card.innerHTML = html;
      var found = card.querySelector("#found-property");
      if (fresh) fresh.hidden = !!found;
      landlordsFilled = false;
      if (found) {
        if (rented && (autoRented || !rented.value)) { rented.value = found.getAttribute("data-floor-area"); autoRented = true; }
        landlordsFilled = fillLandlords(found);
      }
    }

    function focusNext() {
      var found = card.querySelector("#found-property"), next = $("landlords-0-name");
      if (found && landlordsFilled && $("tenants-0-name")) next = $("tenants-0-name");
      else if (!found && fresh && $("building_code")) next = $("building_code");
      if (next) next.focus();
    }

    function find(moveOn) {
      var value = normal(code.value);
      if (value.length !== 25) {
        if (moveOn) { show(""); focusNext(); }
        return;
      }
      if (value !== lastCode) {
        lastCode = value;
        pending = fetch(form.getAttribute("data-lookup") + "?house_code=" + encodeURIComponent(value),
                        {credentials: "same-origin", headers: {"Accept": "text/html"}})
          .then(function (r) { return r.ok ? r.text() : ""; })
          .then(show)
          .catch(function () { /* the form still works: the server looks the code up on submit */ });
      }
      if (moveOn) pending.then(focusNext);
    }

    if (code) {
      code.addEventListener("input", function () { if (normal(code.value).length === 25) find(false); });
      code.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { ev.preventDefault(); find(true); }
      });
    }
    if (rented) rented.addEventListener("input", function () { autoRented = false; });
    if (floor && rented) floor.addEventListener("input", function () {
      if (autoRented || !rented.value) { rented.value = floor.value; autoRented = true; }
    });
    if (end) end.addEventListener("input", function () { autoEnd = false; });
    if (start && end) start.addEventListener("input", function () {
      var s = parseDate(start.value);
      if (!s || !(autoEnd || !end.value) || s.getUTCFullYear() < 1900) return;
      var y = s.getUTCFullYear(), mo = s.getUTCMonth();
      var d = new Date(Date.UTC(y + 1, mo, s.getUTCDate()));
      if (d.getUTCMonth() !== mo) d = new Date(Date.UTC(y + 1, 2, 1));  // 29 Feb
      d = new Date(d.getTime() - 86400000);
      end.value = d.toISOString().slice(0, 10);
      end.dispatchEvent(new Event("change"));
      autoEnd = true;
    });
  }

  // ---------------------------------------------------------------- collection: change
  function fen(text) {
    var m = /^\s*(\d{1,12})(?:\.(\d{1,2}))?\s*$/.exec((text || "").replace(/[,，¥]/g, ""));
    if (!m) return null;
    return Number(m[1]) * 100 + Number(((m[2] || "") + "00").slice(0, 2));
  }

  function yuan(f) {
    var s = String(Math.abs(f) % 100);
    return (f < 0 ? "-" : "") + "¥" + String(Math.floor(Math.abs(f) / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",") +
      "." + (s.length < 2 ? "0" + s : s);
  }

  function initChange(out) {
    var total = Number(out.getAttribute("data-total-fen"));
    var tendered = $("tendered"), method = $("method");
    function update() {
      var cash = !method || method.value === "cash";
      tendered.closest(".field").hidden = !cash;
      out.closest(".field").hidden = !cash;
      var t = tendered.value.trim() ? fen(tendered.value) : total;
      out.textContent = t === null ? "—" : (t < total ? "−" + yuan(total - t) : yuan(t - total));
      out.classList.toggle("short", t !== null && t < total);
    }
    tendered.addEventListener("input", update);
    if (method) method.addEventListener("change", update);
    update();
  }

  // ---------------------------------------------------------------- dates in the app's format
  // A date input (input[data-date], counter.core.validation.LocaleDateInput) takes year-month-day in any of
  // the forms the server accepts; eight digits (20261201) become 2026-12-01 as they are typed, and the date
  // is spelled out below the input in the UI language (<html lang>), whatever the browser's language is.
  var DATE = /^(\d{4})[-\/.](\d{1,2})[-\/.](\d{1,2})$|^(\d{4})(\d{2})(\d{2})$|^(\d{4})年(\d{1,2})月(\d{1,2})日$/;

  function parseDate(text) {
    var m = DATE.exec((text || "").trim().replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); }));
    if (!m) return null;
    var parts = m.slice(1).filter(function (g) { return g !== undefined; }).map(Number);
    var d = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]));
    if (d.getUTCFullYear() !== parts[0] || d.getUTCMonth() !== parts[1] - 1 || d.getUTCDate() !== parts[2]) return null;
    return d;
  }

  function initDate(input) {
    var echo = document.createElement("span"), lang = document.documentElement.lang || "zh-CN";
    var spell = new Intl.DateTimeFormat(lang, {year: "numeric", month: "long", day: "numeric", weekday: "short", timeZone: "UTC"});
    echo.className = "date-echo";
    echo.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", echo);
    function update() {
      var v = input.value.trim(), d = parseDate(v);
      if (d && /^\d{8}$/.test(v)) input.value = d.toISOString().slice(0, 10);
      echo.textContent = d ? spell.format(d) : (v.length >= 8 ? input.getAttribute("data-invalid") || "?" : "");
      echo.classList.toggle("bad", !d && v.length >= 8);
    }
    input.addEventListener("input", update);
    input.addEventListener("change", update);  // set by a script (the term's end follows its start)
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-date]"), initDate);  // before the form's own listeners
    var form = $("lease-form");
    if (form) initLeaseForm(form);
    var out = $("change");
    if (out && out.tagName === "OUTPUT" && $("tendered")) initChange(out);
  });
})();
