// On a phone, the catalogue's filters fold behind a "Filter" button so the films come first.
// The search box stays; filters already in use keep the panel open.
const button = document.querySelector(".filter-toggle");
const form = button && document.getElementById(button.getAttribute("aria-controls"));
const narrow = window.matchMedia("(max-width: 40rem)");

// A filter is in use when it differs from its first choice (a ticked box, a chosen option).
function inUse() {
  const fields = form.querySelectorAll(".field:not(.field-search) select, .field:not(.field-search) input");
  return Array.from(fields).some((input) => {
    if (input.type === "checkbox") return input.checked;
    if (input.tagName === "SELECT") return input.selectedIndex > 0;
    return input.value !== "";
  });
}

function show(open) {
  button.setAttribute("aria-expanded", String(open));
  form.toggleAttribute("data-collapsed", !open);
}

function fit() {
  button.hidden = !narrow.matches;
  show(!narrow.matches || inUse());
}

if (button && form) {
  button.addEventListener("click", () => show(button.getAttribute("aria-expanded") !== "true"));
  narrow.addEventListener("change", fit);
  fit();
}
