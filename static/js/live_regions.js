// Parts of a page that follow what happens elsewhere, over the sockets the page already has:
// an element [data-live-refresh="thread"] (a proposal's or trade's status, progress and the
// actions open to this viewer) is fetched again when its conversation socket says the
// negotiation changed; [data-live-refresh="badges"] (the dashboard) when the nav badges move.
// The page asks for its own fresh copy, so what it shows always depends on who is looking.
(function () {
  "use strict";
  if (window.bazaarLiveRegions) return;
  window.bazaarLiveRegions = true;
  const DEBOUNCE_MS = 250;
  const timers = {};

  function refresh(kind) {
    clearTimeout(timers[kind]);
    timers[kind] = setTimeout(() => {
      document.querySelectorAll(`[data-live-refresh="${kind}"][id]`).forEach((region) => {
        const selector = "#" + CSS.escape(region.id);
        htmx.ajax("GET", window.location.href, { target: selector, select: selector, swap: "outerHTML" });
      });
    }, DEBOUNCE_MS);
  }

  document.addEventListener("htmx:oobAfterSwap", (event) => {
    const target = event.detail && event.detail.target;
    const id = (target && target.id) || "";
    if (/^thread-\d+-changed$/.test(id)) refresh("thread");
    else if (id === "nav-bell" || id === "nav-threads") refresh("badges");
  });
})();
