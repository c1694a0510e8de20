// Behaviour kept out of the pages so the Content-Security-Policy can refuse
// inline script: a menu marked data-submit-on-change sends its form when changed.
document.querySelectorAll("select[data-submit-on-change]").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});

// The bank review: the sum of the invoices ticked, as the boxes change.
document.querySelectorAll("output[data-sum-for]").forEach((output) => {
  const boxes = output.closest("fieldset").querySelectorAll("input[data-amount]");
  const format = new Intl.NumberFormat(document.documentElement.lang || "fr", {
    style: "currency",
    currency: output.dataset.currency,
  });
  const update = () => {
    let cents = 0;
    boxes.forEach((box) => {
      if (box.checked) cents += Math.round(parseFloat(box.dataset.amount) * 100);
    });
    output.value = format.format(cents / 100);
  };
  boxes.forEach((box) => box.addEventListener("change", update));
});
