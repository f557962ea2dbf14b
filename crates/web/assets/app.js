// Small conveniences on the conflict page; everything works without them.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Typing a value picks "This value:" for that field.
  document.querySelectorAll("input[data-for]").forEach(function (input) {
    input.addEventListener("input", function () {
      var radio = document.querySelector(
        'input[type=radio][name="' + input.dataset.for + '"][value=value]');
      if (radio) { radio.checked = true; }
    });
  });
  // "Choose ... for every field" buttons, shown only when this script runs.
  var bulk = document.querySelector(".bulk");
  if (bulk) {
    bulk.hidden = false;
    bulk.querySelectorAll("button[data-pick]").forEach(function (button) {
      button.addEventListener("click", function () {
        document.querySelectorAll(
          'input[type=radio][value="' + button.dataset.pick + '"]').forEach(function (radio) {
          radio.checked = true;
        });
      });
    });
  }
});
