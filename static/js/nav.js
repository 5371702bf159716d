// The phone menu: a real button (aria-expanded) that shows and hides the main menu.
// Without this file the menu is simply always shown. Escape closes it and gives focus back
// to the button; opening moves focus to the first link; focus leaving the menu closes it.
(function () {
  "use strict";
  if (window.bazaarNav) return;
  window.bazaarNav = true;

  function setUp() {
    const button = document.querySelector("[data-nav-toggle]");
    const menu = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) return;
    const nav = button.closest("nav");
    nav.classList.add("nav-enhanced");

    function isOpen() { return button.getAttribute("aria-expanded") === "true"; }
    function open() {
      button.setAttribute("aria-expanded", "true");
      menu.classList.add("is-open");
      const first = menu.querySelector("a, button");
      if (first) first.focus();
    }
    function close(returnFocus) {
      if (!isOpen()) return;
      button.setAttribute("aria-expanded", "false");
      menu.classList.remove("is-open");
      if (returnFocus) button.focus();
    }

    button.addEventListener("click", () => (isOpen() ? close(false) : open()));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && isOpen() && (menu.contains(document.activeElement) || document.activeElement === button)) {
        event.preventDefault();
        close(true);
      }
    });
    menu.addEventListener("focusout", (event) => {
      // Tabbing past the last item (or clicking elsewhere) closes the menu.
      if (isOpen() && event.relatedTarget && !menu.contains(event.relatedTarget) && event.relatedTarget !== button) close(false);
    });
    document.addEventListener("click", (event) => {
      if (isOpen() && !menu.contains(event.target) && !button.contains(event.target)) close(false);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
