// Proposal and counter-offer form: running totals and the balance as quantities change.
// The server computes the real figures; without this file the form still works.
(() => {
  const form = document.querySelector("[data-proposal-form]");
  if (!form) return;
  const fmt = (n) => "$" + n.toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const update = () => {
    const totals = { offer: 0, request: 0 };
    form.querySelectorAll("input[data-unit]").forEach((input) => {
      totals[input.dataset.side] += (parseInt(input.value, 10) || 0) * parseFloat(input.dataset.unit);
    });
    const direction = (form.querySelector("input[name=cash_direction]:checked") || {}).value;
    const cash = parseFloat(form.querySelector("input[name=cash_amount]").value) || 0;
    const give = totals.offer + (direction === "add" ? cash : 0);
    const get = totals.request + (direction === "ask" ? cash : 0);
    form.querySelector("[data-total=offer]").textContent = fmt(totals.offer);
    form.querySelector("[data-total=request]").textContent = fmt(totals.request);
    form.querySelector("[data-balance]").textContent = (give - get < 0 ? "-" : "") + fmt(Math.abs(give - get));
  };
  form.addEventListener("input", update);
  update();
})();
