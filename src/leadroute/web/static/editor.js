// leadroute dashboard: line numbers beside the routing file editor, error lines marked in them,
// and links that move the cursor to a line. The editor works without it (a plain textarea).
(function () {
  "use strict";
  function errorLines(area) {
    var marked = {};
    (area.getAttribute("data-error-lines") || "").split(",").forEach(function (n) {
      if (n) { marked[n] = true; }
    });
    return marked;
  }
  function draw(area) {
    var gutter = area.previousElementSibling;
    if (!gutter || !gutter.classList.contains("gutter")) { return; }
    var count = area.value.split("\n").length;
    var key = count + "|" + (area.getAttribute("data-error-lines") || "");
    if (gutter.getAttribute("data-drawn") !== key) {
      var marked = errorLines(area);
      var rows = [];
      for (var i = 1; i <= count; i++) {
        rows.push(marked[i] ? '<div class="error" title="a problem on this line">' + i + "</div>" : "<div>" + i + "</div>");
      }
      gutter.innerHTML = rows.join("");
      gutter.setAttribute("data-drawn", key);
    }
    gutter.scrollTop = area.scrollTop;
  }
  function setup(area) {
    if (area.getAttribute("data-ready")) { return; }
    area.setAttribute("data-ready", "1");
    var gutter = document.createElement("div");
    gutter.className = "gutter";
    gutter.setAttribute("aria-hidden", "true");
    area.parentNode.insertBefore(gutter, area);
    area.addEventListener("input", function () { draw(area); });
    area.addEventListener("scroll", function () { gutter.scrollTop = area.scrollTop; });
    draw(area);
  }
  function goToLine(area, line) {
    var lines = area.value.split("\n");
    line = Math.max(1, Math.min(line, lines.length));
    var start = 0;
    for (var i = 0; i < line - 1; i++) { start += lines[i].length + 1; }
    area.focus();
    area.setSelectionRange(start, start + lines[line - 1].length);
    var height = parseFloat(getComputedStyle(area).lineHeight) || 21;
    area.scrollTop = Math.max(0, (line - 1) * height - area.clientHeight / 3);
    draw(area);
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-goto-line]");
    if (!link) { return; }
    var area = document.getElementById(link.getAttribute("aria-controls") || "routing-text");
    if (!area) { return; }
    event.preventDefault();
    goToLine(area, parseInt(link.getAttribute("data-goto-line"), 10));
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-line-numbers]").forEach(setup);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var problems = document.getElementById("problems");
    var area = document.getElementById("routing-text");
    if (problems && area) {
      area.setAttribute("data-error-lines", problems.getAttribute("data-error-lines") || "");
      draw(area);
      var config = event.detail && event.detail.requestConfig;
      if (config && config.path === "/routing/check") {
        // The answer shows above the text: bring it into view from the button below.
        problems.scrollIntoView({ block: "start", behavior: "smooth" });
      }
    }
    var result = document.getElementById("preview-result");
    if (result && result.getAttribute("data-shown") !== "1") {
      result.setAttribute("data-shown", "1");
      result.focus();
    }
  });
})();
