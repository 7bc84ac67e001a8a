/* Ticks the rental countdowns the server computed; the server still decides expiry. */
(function () {
  "use strict";
  var clocks = Array.prototype.slice.call(document.querySelectorAll("[data-countdown]"));
  if (!clocks.length) return;
  var started = Date.now();
  function format(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
  }
  function tick() {
    var elapsed = Math.floor((Date.now() - started) / 1000);
    clocks.forEach(function (el) {
      var left = Math.max(0, parseInt(el.dataset.countdown, 10) - elapsed);
      el.textContent = format(left);
      if (left === 0 && !el.dataset.done) { el.dataset.done = "1"; window.location.reload(); }
    });
  }
  setInterval(tick, 1000);
})();
