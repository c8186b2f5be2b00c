// leadroute dashboard: local times and ticking SLA countdowns. Everything else is htmx.
(function () {
  "use strict";
  function pad(n) { return String(n).padStart(2, "0"); }
  function localTimes(root) {
    root.querySelectorAll("time[data-local]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) { return; }
      el.textContent = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
        " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
      el.title = d.toString();
      el.removeAttribute("data-local");
    });
  }
  function span(seconds) {
    seconds = Math.abs(seconds);
    if (seconds < 60) { return Math.floor(seconds) + "s"; }
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) { return minutes + " min"; }
    var hours = Math.floor(minutes / 60); minutes = minutes % 60;
    if (hours < 24) { return minutes ? hours + " h " + minutes + " min" : hours + " h"; }
    var days = Math.floor(hours / 24); hours = hours % 24;
    return hours ? days + " d " + hours + " h" : days + " d";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var left = (new Date(el.getAttribute("data-due")).getTime() - now) / 1000;
      el.textContent = left >= 0 ? span(left) + " left" : span(left) + " overdue";
      el.classList.toggle("due-ok", left > 600);
      el.classList.toggle("due-soon", left >= 0 && left <= 600);
      el.classList.toggle("due-late", left < 0);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { localTimes(document); tick(); setInterval(tick, 1000); });
  document.addEventListener("htmx:afterSwap", function (e) { localTimes(e.target); tick(); });
})();
