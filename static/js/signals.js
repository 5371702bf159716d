// Signal detail: move the entry → target bar when a live price tick swaps the price in.
// The page works without this file (the bar is rendered on the server).
(function () {
  "use strict";
  if (window.bazaarSignals) return;
  window.bazaarSignals = true;

  function update(bar) {
    const priceEl = document.getElementById(bar.dataset.priceId);
    if (!priceEl) return;
    const current = parseFloat(priceEl.textContent.replace(/[^0-9.]/g, ""));
    const entry = parseFloat(bar.dataset.entry);
    const target = parseFloat(bar.dataset.target);
    if (!isFinite(current) || !isFinite(entry) || !isFinite(target) || target === entry) return;
    const percent = Math.max(0, Math.min(100, Math.round(((current - entry) / (target - entry)) * 100)));
    const track = bar.querySelector("[role=progressbar]");
    const fill = bar.querySelector(".progress-fill");
    if (track) track.setAttribute("aria-valuenow", String(percent));
    if (fill) fill.style.width = percent + "%";
  }

  function updateAll() {
    document.querySelectorAll("[data-signal-progress]").forEach(update);
  }
  document.addEventListener("htmx:oobAfterSwap", updateAll);
  document.addEventListener("htmx:wsAfterMessage", () => setTimeout(updateAll, 0));
})();
