// Behaviour kept out of the pages so the Content-Security-Policy can refuse
// inline script: a menu marked data-submit-on-change sends its form when changed.
document.querySelectorAll("select[data-submit-on-change]").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});
