// Progressive enhancement of the survey page: show a follow-up only when the answer it follows calls for it.
// Without this script every question is shown and the server keeps only the follow-ups that apply.
(function () {
  "use strict";
  function answersOf(form, position) {
    var inputs = form.querySelectorAll('[name="q' + position + '"]');
    var values = [];
    inputs.forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") ? input.checked : input.value) values.push(input.value);
    });
    return values;
  }
  function refresh(form) {
    form.querySelectorAll("fieldset[data-show-if-position]").forEach(function (fieldset) {
      var wanted = (fieldset.getAttribute("data-show-if-values") || "").split("|");
      var given = answersOf(form, fieldset.getAttribute("data-show-if-position"));
      var parent = form.querySelector('fieldset[data-position="' + fieldset.getAttribute("data-show-if-position") + '"]');
      var shown = given.some(function (v) { return wanted.indexOf(v) >= 0; }) && !(parent && parent.hidden);
      fieldset.hidden = !shown;
      fieldset.disabled = !shown;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.survey-form");
    if (!form) return;
    form.addEventListener("change", function () { refresh(form); });
    form.addEventListener("input", function () { refresh(form); });
    refresh(form);
  });
})();
