// Behaviour every page shares, kept out of the markup: the Content-Security-Policy allows no inline script.
// A <select data-autosubmit> sends its form as soon as a choice is made (the language switch).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.submit();
  }
});
