/* Draws the charts (Vega bundle in assets/vega.js), sorts tables, searches regions. No network. */
(function () {
  "use strict";
  function drawCharts() {
    document.querySelectorAll(".chart[data-spec]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-spec"));
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      window.vegaEmbed(el, spec, { renderer: "svg", actions: false }).then(function () {
        el.setAttribute("data-drawn", "true");
      }).catch(function (err) { console.error("chart " + el.id + ": " + err); });
    });
  }
  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) { return ""; }
    var v = cell.getAttribute("data-v");
    if (v === null) { v = cell.textContent.trim(); }
    var n = parseFloat(v);
    return (v !== "" && !isNaN(n) && isFinite(v)) ? n : v.toLowerCase();
  }
  function makeSortable(table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, index) {
      th.classList.add("sortable");
      th.addEventListener("click", function () {
        var asc = !th.classList.contains("asc");
        heads.forEach(function (h) { h.classList.remove("asc", "desc"); });
        th.classList.add(asc ? "asc" : "desc");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          if (x === y) { return 0; }
          if (x === "" || x === "—") { return 1; }
          if (y === "" || y === "—") { return -1; }
          return (x < y ? -1 : 1) * (asc ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }
  function search() {
    var box = document.getElementById("search");
    var list = document.getElementById("search-results");
    if (!box || !list || !window.REPORT_REGIONS) { return; }
    var root = document.body.getAttribute("data-root") || "";
    box.addEventListener("input", function () {
      var q = box.value.trim().toLowerCase();
      list.innerHTML = "";
      if (q.length < 2) { return; }
      window.REPORT_REGIONS.filter(function (r) {
        return r.n.toLowerCase().indexOf(q) >= 0 || r.c.indexOf(q) === 0;
      }).slice(0, 30).forEach(function (r) {
        var a = document.createElement("a");
        a.href = root + "regions/" + r.c + ".html";
        a.textContent = r.n + " (" + r.c + ", " + r.p + ")";
        list.appendChild(a);
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sort").forEach(makeSortable);
    search();
    drawCharts();
  });
})();
