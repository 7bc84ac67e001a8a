// Studio offers page: territory pickers (search + chips) and a plain-language summary of
// each offer that follows what is typed ("Rent: NOK 49 in Norway from 1 March; €4.99
// everywhere else except Germany."). The form works without this script.
import { enhanceAll } from "./territory-picker.js";

const form = document.querySelector("form.offers-form");
const phrases = form ? JSON.parse(form.dataset.phrases || "{}") : {};
const locale = document.documentElement.lang || "en";

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (_m, key) => (key in values ? values[key] : ""));
}

function amount(text) {
  const cleaned = (text || "").trim().replace(/\s/g, "").replace(",", ".");
  return /^\d+(\.\d+)?$/.test(cleaned) ? Number(cleaned) : null;
}

function money(value, currency) {
  if (value === null || !currency) return null;
  try {
    return new Intl.NumberFormat(locale, {
      style: "currency",
      currency,
      minimumFractionDigits: Number.isInteger(value) ? 0 : undefined,
    }).format(value);
  } catch (_error) {
    return `${currency} ${value}`;
  }
}

function day(value) {
  if (!value) return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  const options = { day: "numeric", month: "long" };
  if (date.getFullYear() !== new Date().getFullYear()) options.year = "numeric";
  return new Intl.DateTimeFormat(locale, options).format(date);
}

function places(names) {
  const list = new Intl.ListFormat(locale, { type: "conjunction" });
  if (names.length <= 5) return list.format(names);
  return list.format([...names.slice(0, 4), fill(phrases.more, { n: names.length - 4 })]);
}

function dates(from, until) {
  const parts = [];
  if (day(from)) parts.push(fill(phrases.from, { date: day(from) }));
  if (day(until)) parts.push(fill(phrases.until, { date: day(until) }));
  return parts.length ? ` ${parts.join(" ")}` : "";
}

function field(fieldset, name) {
  return fieldset.querySelector(`[name$="-${name}"]:not([name*="-rules-"])`);
}

function summarise(fieldset, picker) {
  const kind = fieldset.dataset.kindLabel;
  if (!field(fieldset, "enabled").checked) return fill(phrases.sentence, { kind, parts: phrases.not_offered });
  const currency = field(fieldset, "currency").value;
  const base = money(amount(field(fieldset, "price").value), currency) || phrases.no_price;
  const parts = [];
  for (const row of fieldset.querySelectorAll(".rule-row")) {
    const country = row.querySelector('select[name$="-country"]');
    if (!country || !country.value) continue;
    const own = money(
      amount(row.querySelector('[name$="-price"]').value),
      row.querySelector('select[name$="-currency"]').value || currency,
    );
    const name = country.options[country.selectedIndex].text;
    parts.push(
      fill(phrases.price_in, { price: own || base, places: name }) +
        dates(row.querySelector('[name$="-available_from"]').value, row.querySelector('[name$="-available_until"]').value),
    );
  }
  const mode = (fieldset.querySelector('input[type=radio][name$="-mode"]:checked') || {}).value || "worldwide";
  const names = picker ? picker.chosenNames() : [];
  let where;
  if (mode === "allow") {
    where = names.length ? fill(phrases.price_in, { price: base, places: places(names) }) : phrases.no_country;
  } else {
    where = fill(parts.length ? phrases.everywhere_else : phrases.everywhere, { price: base });
    if (mode === "deny" && names.length) where += ` ${fill(phrases.except, { places: places(names) })}`;
  }
  parts.push(where + dates(field(fieldset, "available_from").value, field(fieldset, "available_until").value));
  // Joined as the page's language joins clauses ("; ", "؛ ", "、"), not always "; ".
  const joined = parts.reduce((first, second) => fill(phrases.then, { first, second }));
  return fill(phrases.sentence, { kind, parts: joined });
}

if (form) {
  const pickers = enhanceAll(form);
  for (const fieldset of form.querySelectorAll("fieldset.offer-fieldset")) {
    const root = fieldset.querySelector("[data-territory-picker]");
    const picker = pickers.find((p) => p.root === root);
    const out = fieldset.querySelector(".offer-live-summary");
    const update = () => { out.textContent = summarise(fieldset, picker); };
    out.hidden = false;
    fieldset.addEventListener("input", update);
    fieldset.addEventListener("change", update);
    if (picker) picker.addEventListener("change", update);
    update();
  }
}
