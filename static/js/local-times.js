// Pages that say when something happens "in your time" (festivals, pre-orders, the player):
// show each <time data-local-time> in the browser's own time zone (the server
// renders the account's zone, or UTC for visitors who are not signed in), and count down to
// each <time data-starts-in> ("in 3 hours", "in 12 minutes"), in the page's language.
(function () {
  "use strict";
  const lang = document.documentElement.lang || undefined;
  const format = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const moment = (el) => {
    const iso = el.getAttribute("datetime");
    return new Date(iso.endsWith("Z") || /[+-]\d\d:\d\d$/.test(iso) ? iso : iso + "Z");
  };
  for (const el of document.querySelectorAll("time[data-local-time]")) {
    const when = moment(el);
    if (!Number.isNaN(when.getTime())) {
      el.textContent = format.format(when);
      el.title = zone;
    }
  }

  const countdowns = Array.from(document.querySelectorAll("time[data-starts-in]"));
  if (!countdowns.length || typeof Intl.RelativeTimeFormat !== "function") return;
  const relative = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  // The largest unit that reads naturally: days, then hours, minutes, seconds.
  const UNITS = [["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
  function tick() {
    let reload = false;
    for (const el of countdowns) {
      const left = Math.round((moment(el).getTime() - Date.now()) / 1000);
      if (Number.isNaN(left)) continue;
      if (left <= 0) {
        // The page was refused because the film had not started: now it has.
        reload = reload || el.hasAttribute("data-reload");
        el.hidden = true;
        continue;
      }
      const [unit, size] = UNITS.find(([, s]) => left >= s * (s === 1 ? 1 : 2)) || UNITS[3];
      el.textContent = relative.format(Math.floor(left / size), unit);
      el.hidden = false;
    }
    if (reload) window.location.reload();
  }
  tick();
  window.setInterval(tick, 1000);
})();
