// Festival pages: show each <time data-local-time> in the browser's own time zone (the server
// renders the account's zone, or UTC for visitors who are not signed in).
(function () {
  "use strict";
  const lang = document.documentElement.lang || undefined;
  const format = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (const el of document.querySelectorAll("time[data-local-time]")) {
    const iso = el.getAttribute("datetime");
    const when = new Date(iso.endsWith("Z") || /[+-]\d\d:\d\d$/.test(iso) ? iso : iso + "Z");
    if (!Number.isNaN(when.getTime())) {
      el.textContent = format.format(when);
      el.title = zone;
    }
  }
})();
