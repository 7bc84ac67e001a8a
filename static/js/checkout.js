// The order confirmation page: ask the server until the payment is confirmed (by the payment
// provider's webhook, never by this page), then offer "Watch now".
(function () {
  "use strict";
  var box = document.getElementById("order-state");
  if (!box || box.dataset.final === "true") return;
  var message = document.getElementById("order-message");
  var watch = document.getElementById("order-watch");
  var slow = document.getElementById("order-slow");
  var started = Date.now();
  var delay = 1000;

  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (state) {
        if (state.ready) {
          message.textContent = state.message;
          watch.querySelector("a").href = state.watch_url;
          watch.hidden = false;
          watch.querySelector("a").focus();
          return;
        }
        if (state.final) {
          window.location.reload(); // the server renders the outcome and what to do next
          return;
        }
        schedule();
      })
      .catch(schedule);
  }

  function schedule() {
    if (Date.now() - started > 60000) slow.hidden = false;
    delay = Math.min(delay * 1.5, 5000);
    window.setTimeout(poll, delay);
  }

  window.setTimeout(poll, 500);
})();
