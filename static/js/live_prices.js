// Live prices: one websocket per page (htmx ws extension) subscribed to the cards shown.
// Prices are server-rendered; without this script the page still shows them, just not live.
(function () {
  "use strict";
  if (window.bazaarLivePrices) return; // the include may appear more than once on a page
  window.bazaarLivePrices = true;
  const MAX_CARDS = 200; // the server enforces the same cap
  const subscribed = new Set();
  let socketWrapper = null;

  function cardIdsOnPage(holder) {
    const ids = new Set();
    const preset = (holder.dataset.cardIds || "").split(",");
    preset.concat(Array.from(document.querySelectorAll("[data-live-card]"), (el) => el.dataset.liveCard))
      .forEach((value) => {
        const id = parseInt(value, 10);
        if (id > 0) ids.add(id);
      });
    return Array.from(ids).slice(0, MAX_CARDS);
  }

  function subscribeNew(holder) {
    const fresh = cardIdsOnPage(holder).filter((id) => !subscribed.has(id));
    if (!fresh.length || !socketWrapper || subscribed.size >= MAX_CARDS) return;
    fresh.slice(0, MAX_CARDS - subscribed.size).forEach((id) => subscribed.add(id));
    socketWrapper.send(JSON.stringify({ subscribe: fresh }));
  }

  function start() {
    const holder = document.getElementById("live-prices-socket");
    if (!holder || !window.htmx) return;
    const ids = cardIdsOnPage(holder);
    if (!ids.length) return;
    ids.forEach((id) => subscribed.add(id));
    holder.addEventListener("htmx:wsOpen", (event) => {
      socketWrapper = event.detail.socketWrapper;
      // After a reconnect the server starts from the URL's ids again: resend everything.
      cardIdsOnPage(holder).forEach((id) => { if (subscribed.size < MAX_CARDS) subscribed.add(id); });
      socketWrapper.send(JSON.stringify({ subscribe: Array.from(subscribed) }));
      holder.dataset.liveState = "open";
    });
    holder.addEventListener("htmx:wsClose", () => { holder.dataset.liveState = "closed"; });
    document.body.addEventListener("htmx:afterSettle", () => subscribeNew(holder));
    holder.setAttribute("ws-connect", holder.dataset.livePricesUrl + "?cards=" + ids.join(","));
    htmx.process(holder);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
