// Forms that take a file: a chosen file over the limit (data-max-bytes) is named as too large
// next to the field and never sent. The server refuses such a body unread, and browsers show
// that refusal poorly, if at all, while they are still sending.
(function () {
  "use strict";
  for (const input of document.querySelectorAll("input[type=file][data-max-bytes]")) {
    const limit = Number(input.dataset.maxBytes);
    const message = document.getElementById(input.dataset.tooLarge);
    if (!input.form || !message || !limit) continue;
    const described = input.getAttribute("aria-describedby") || "";
    const check = () => {
      const tooLarge = Array.from(input.files || []).some((file) => file.size > limit);
      message.hidden = !tooLarge;
      if (tooLarge) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", `${described} ${message.id}`.trim());
      } else {
        input.removeAttribute("aria-invalid");
        input.setAttribute("aria-describedby", described);
      }
      return !tooLarge;
    };
    input.addEventListener("change", check);
    input.form.addEventListener("submit", (event) => {
      if (!check()) {
        event.preventDefault();
        input.focus();
      }
    });
  }
})();
