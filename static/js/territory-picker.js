// Territory picker: a search box over countries and groups whose picks become removable
// chips. The checkboxes rendered by templates/_territory_picker.html stay the form's fields:
// picking checks one, removing a chip unchecks it, so the form posts what it would without
// this script. Reusable: every [data-territory-picker] on the page is enhanced.

const MAX_RESULTS = 8;

function fold(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

export class TerritoryPicker extends EventTarget {
  constructor(root) {
    super();
    this.root = root;
    this.search = root.querySelector(".picker-search");
    this.input = this.search.querySelector("input[role=combobox]");
    this.results = this.search.querySelector("[role=listbox]");
    this.chips = this.search.querySelector(".chips");
    this.groups = Array.from(root.querySelectorAll(".region-groups input[type=checkbox]"));
    this.countries = Array.from(root.querySelectorAll(".country-checklist input[type=checkbox]"));
    this.byCode = new Map(this.countries.map((box) => [box.value, box]));
    this.options = [];
    this.active = -1;
    this.collapseToGroups();
    this.search.hidden = false;
    root.querySelector(".picker-plain").hidden = true;
    this.input.addEventListener("input", () => this.showResults());
    this.input.addEventListener("keydown", (event) => this.onKey(event));
    this.input.addEventListener("blur", () => setTimeout(() => this.closeResults(), 150));
    this.renderChips();
  }

  // A group whose countries are all chosen shows as one chip (saving expands it again).
  collapseToGroups() {
    const groups = [...this.groups].sort((a, b) => this.codes(b).length - this.codes(a).length);
    for (const group of groups) {
      const codes = this.codes(group);
      const boxes = codes.map((code) => this.byCode.get(code)).filter(Boolean);
      if (boxes.length > 1 && boxes.every((box) => box.checked)) {
        group.checked = true;
        boxes.forEach((box) => { box.checked = false; });
      }
    }
  }

  codes(groupBox) {
    return (groupBox.dataset.countries || "").split(" ").filter(Boolean);
  }

  chosen() {
    const picked = [];
    for (const box of this.groups) if (box.checked) picked.push({ box, group: true });
    for (const box of this.countries) if (box.checked) picked.push({ box, group: false });
    return picked;
  }

  /** Country codes covered by the chips (groups expanded). */
  chosenCodes() {
    const codes = new Set();
    for (const { box, group } of this.chosen()) {
      if (group) this.codes(box).forEach((code) => codes.add(code));
      else codes.add(box.value);
    }
    return codes;
  }

  /** Names to show for the chips, e.g. ["Nordic countries", "Germany"]. */
  chosenNames() {
    return this.chosen().map(({ box }) => box.dataset.name);
  }

  showResults() {
    const needle = fold(this.input.value.trim());
    this.results.innerHTML = "";
    this.options = [];
    this.active = -1;
    if (!needle) return this.closeResults();
    const candidates = [...this.groups, ...this.countries].filter(
      (box) => !box.checked && fold(box.dataset.name).includes(needle),
    );
    // Names starting with what was typed first, then the shortest (the closest match).
    const rank = (box) => [fold(box.dataset.name).indexOf(needle), box.dataset.name.length];
    candidates.sort((a, b) => {
      const [ra, rb] = [rank(a), rank(b)];
      return ra[0] - rb[0] || ra[1] - rb[1];
    });
    for (const box of candidates.slice(0, MAX_RESULTS)) {
      const option = document.createElement("li");
      option.setAttribute("role", "option");
      option.id = `${this.input.id}-option-${this.options.length}`;
      option.textContent = box.dataset.name;
      if (this.groups.includes(box)) {
        const kind = document.createElement("span");
        kind.className = "picker-kind";
        kind.textContent = ` (${this.root.dataset.groupLabel})`;
        option.append(kind);
      }
      option.addEventListener("mousedown", (event) => { event.preventDefault(); this.pick(box); });
      this.results.append(option);
      this.options.push({ option, box });
    }
    const open = this.options.length > 0;
    this.results.hidden = !open;
    this.input.setAttribute("aria-expanded", String(open));
    if (open) this.highlight(0);
  }

  closeResults() {
    this.results.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  highlight(index) {
    this.options.forEach(({ option }, i) => option.setAttribute("aria-selected", String(i === index)));
    this.active = index;
    const current = this.options[index];
    if (current) this.input.setAttribute("aria-activedescendant", current.option.id);
  }

  onKey(event) {
    const count = this.options.length;
    if (event.key === "ArrowDown" && count) {
      event.preventDefault();
      this.highlight((this.active + 1) % count);
    } else if (event.key === "ArrowUp" && count) {
      event.preventDefault();
      this.highlight((this.active - 1 + count) % count);
    } else if (event.key === "Enter") {
      if (this.active >= 0 && this.options[this.active]) {
        event.preventDefault();  // picking, not submitting the form
        this.pick(this.options[this.active].box);
      }
    } else if (event.key === "Escape") {
      this.closeResults();
    }
  }

  pick(box) {
    box.checked = true;
    this.input.value = "";
    this.closeResults();
    this.renderChips();
    this.input.focus();
  }

  remove(box) {
    box.checked = false;
    this.renderChips();
    this.input.focus();
  }

  renderChips() {
    this.chips.innerHTML = "";
    const picked = this.chosen();
    if (!picked.length) {
      const none = document.createElement("li");
      none.className = "hint";
      none.textContent = this.root.dataset.noneLabel;
      this.chips.append(none);
    }
    for (const { box } of picked) {
      const chip = document.createElement("li");
      chip.className = "chip";
      const name = document.createElement("span");
      name.textContent = box.dataset.name;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "chip-remove";
      button.setAttribute("aria-label", this.root.dataset.removeLabel.replace("{name}", box.dataset.name));
      button.textContent = "×";
      button.addEventListener("click", () => this.remove(box));
      chip.append(name, button);
      this.chips.append(chip);
    }
    this.dispatchEvent(new Event("change"));
  }
}

export function enhanceAll(scope = document) {
  return Array.from(scope.querySelectorAll("[data-territory-picker]"), (root) => new TerritoryPicker(root));
}
