// Studio offers page: region groups select their countries at once, and a filter narrows the
// country list. The form works without this script (groups are expanded when saving).
(function () {
  "use strict";
  document.querySelectorAll("input[data-countries][data-target]").forEach(function (box) {
    box.addEventListener("change", function () {
      var select = document.getElementById(box.dataset.target);
      if (!select) return;
      var codes = box.dataset.countries.split(" ");
      Array.prototype.forEach.call(select.options, function (option) {
        if (codes.indexOf(option.value) !== -1) option.selected = box.checked;
      });
    });
  });
  document.querySelectorAll("input[data-filter-for]").forEach(function (input) {
    var select = document.getElementById(input.dataset.filterFor);
    if (!select) return;
    input.closest(".country-filter").hidden = false;
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.options, function (option) {
        option.hidden = needle !== "" && option.text.toLowerCase().indexOf(needle) === -1 && !option.selected;
      });
    });
  });
})();
