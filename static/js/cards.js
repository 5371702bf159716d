// Card pages and the card picker. Everything works without this file; it only smooths htmx use.
(function () {
  "use strict";
  if (window.bazaarCards) return;
  window.bazaarCards = true;

  // Filters re-render with their errors (status 422): let htmx swap them in like a success.
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Card picker: <div data-card-picker> holding an <input data-card-picker-input> (the text the
  // user types, hx-get to /cards/autocomplete/), an <input type="hidden" data-card-picker-value>
  // and the options target. Choosing an option fills both inputs and clears the list.
  document.addEventListener("click", (event) => {
    const option = event.target.closest("[data-card-id]");
    const picker = option && option.closest("[data-card-picker]");
    if (!picker) return;
    event.preventDefault();
    const value = picker.querySelector("[data-card-picker-value]");
    const input = picker.querySelector("[data-card-picker-input]");
    if (value) {
      value.value = option.dataset.cardId;
      value.dispatchEvent(new Event("change", { bubbles: true }));
    }
    if (input) input.value = option.dataset.cardLabel;
    const list = option.closest(".card-autocomplete");
    if (list) list.remove();
    picker.dispatchEvent(new CustomEvent("card-picked", { bubbles: true, detail: { id: option.dataset.cardId, label: option.dataset.cardLabel } }));
  });

  // Typing after a pick un-picks: the hidden id would no longer match the text shown.
  document.addEventListener("input", (event) => {
    const input = event.target.closest && event.target.closest("[data-card-picker-input]");
    const picker = input && input.closest("[data-card-picker]");
    const value = picker && picker.querySelector("[data-card-picker-value]");
    if (value) value.value = "";
  });
})();
