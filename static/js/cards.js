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

  // Chart range buttons: the one whose chart is shown is marked current.
  document.addEventListener("htmx:afterRequest", (event) => {
    const link = event.detail.elt;
    const nav = link && link.closest && link.closest(".chart-ranges");
    if (!nav || !event.detail.successful) return;
    nav.querySelectorAll("a").forEach((other) => {
      const current = other === link;
      other.classList.toggle("button-secondary", !current);
      if (current) other.setAttribute("aria-current", "true");
      else other.removeAttribute("aria-current");
    });
  });

  // Card picker (templates/cards/partials/_card_picker.html): a combobox over a listbox of cards.
  // htmx fills the listbox as the trader types; this adds the keyboard and the choosing.
  function parts(picker) {
    return {
      input: picker.querySelector("[data-card-picker-input]"),
      value: picker.querySelector("[data-card-picker-value]"),
      listbox: picker.querySelector("[data-card-picker-listbox]"),
      status: picker.querySelector("[data-card-picker-status]"),
    };
  }
  const options = (listbox) => Array.from(listbox.querySelectorAll('[role="option"]:not([aria-disabled="true"])'));

  function setActive(picker, index) {
    const { input, listbox } = parts(picker);
    const all = options(listbox);
    all.forEach((option, i) => option.setAttribute("aria-selected", i === index ? "true" : "false"));
    const active = all[index];
    if (active) {
      input.setAttribute("aria-activedescendant", active.id);
      active.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
    picker.dataset.active = active ? String(index) : "";
  }

  function open(picker) {
    const { input, listbox } = parts(picker);
    if (!listbox.children.length) return close(picker);
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close(picker) {
    const { input, listbox } = parts(picker);
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    setActive(picker, -1);
  }

  function pick(picker, option) {
    const { input, value, status } = parts(picker);
    value.value = option.dataset.cardId;
    value.dispatchEvent(new Event("change", { bubbles: true }));
    input.value = option.dataset.cardLabel;
    close(picker);
    if (status) status.textContent = `${option.dataset.cardLabel} chosen.`;
    picker.dispatchEvent(new CustomEvent("card-picked", { bubbles: true, detail: { id: option.dataset.cardId, label: option.dataset.cardLabel } }));
  }

  // New options arrived: give each an id (for aria-activedescendant) and show them.
  document.addEventListener("htmx:afterSwap", (event) => {
    const listbox = event.detail.target;
    const picker = listbox && listbox.matches && listbox.matches("[data-card-picker-listbox]") && listbox.closest("[data-card-picker]");
    if (!picker) return;
    listbox.querySelectorAll('[role="option"]').forEach((option, i) => { option.id = `${listbox.id}-option-${i}`; });
    const count = options(listbox).length;
    const { input, status } = parts(picker);
    if (document.activeElement === input) open(picker);
    setActive(picker, -1);
    if (status) status.textContent = listbox.children.length ? `${count} card${count === 1 ? "" : "s"} found. Use the arrow keys to choose.` : "";
  });

  document.addEventListener("input", (event) => {
    const picker = event.target.matches && event.target.matches("[data-card-picker-input]") && event.target.closest("[data-card-picker]");
    if (picker) parts(picker).value.value = ""; // typing again un-picks the card
  });

  document.addEventListener("keydown", (event) => {
    const picker = event.target.matches && event.target.matches("[data-card-picker-input]") && event.target.closest("[data-card-picker]");
    if (!picker) return;
    const { listbox } = parts(picker);
    const all = options(listbox);
    const isOpen = !listbox.hidden;
    const current = picker.dataset.active === "" || picker.dataset.active === undefined ? -1 : parseInt(picker.dataset.active, 10);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!all.length) return;
      event.preventDefault();
      if (!isOpen) open(picker);
      const step = event.key === "ArrowDown" ? 1 : -1;
      const next = current === -1 ? (step === 1 ? 0 : all.length - 1) : (current + step + all.length) % all.length;
      setActive(picker, next);
    } else if (event.key === "Enter" && isOpen) {
      event.preventDefault(); // never submit the form while the list is open
      if (current >= 0 && all[current]) pick(picker, all[current]);
    } else if (event.key === "Escape" && isOpen) {
      event.preventDefault();
      close(picker);
    } else if (event.key === "Tab" && isOpen) {
      close(picker);
    }
  });

  // Pointer: choose with a click; keep focus in the input while pressing an option.
  document.addEventListener("mousedown", (event) => {
    if (event.target.closest && event.target.closest("[data-card-picker-listbox] [role=option]")) event.preventDefault();
  });
  document.addEventListener("click", (event) => {
    const option = event.target.closest && event.target.closest('[data-card-picker-listbox] [role="option"]:not([aria-disabled="true"])');
    const picker = option && option.closest("[data-card-picker]");
    if (picker) pick(picker, option);
  });
  document.addEventListener("focusout", (event) => {
    const picker = event.target.matches && event.target.matches("[data-card-picker-input]") && event.target.closest("[data-card-picker]");
    if (picker && !picker.contains(event.relatedTarget)) close(picker);
  });

  // Typing after a pick un-picks: the hidden id would no longer match the text shown.
  document.addEventListener("input", (event) => {
    const input = event.target.closest && event.target.closest("[data-card-picker-input]");
    const picker = input && input.closest("[data-card-picker]");
    const value = picker && picker.querySelector("[data-card-picker-value]");
    if (value) value.value = "";
  });
})();
