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
    // A tick is an out-of-band swap of one finish's price. A page that does not show that finish
    // drops it here (htmx would log htmx:oobErrorNoTarget); one that does lets the page's
    // derived figures (24 h change, line values, totals) follow — see "bazaar:price" below.
    holder.addEventListener("htmx:wsBeforeMessage", (event) => {
      const message = String(event.detail.message || "");
      const match = /id="(price-(\d+)-([a-z]+))"/.exec(message);
      if (!match) return;
      if (!document.getElementById(match[1])) {
        event.preventDefault();
        return;
      }
      const price = /data-price="([0-9.]+)"/.exec(message);
      if (price) {
        document.dispatchEvent(new CustomEvent("bazaar:price", {
          detail: { cardId: match[2], finish: match[3], price: parseFloat(price[1]) },
        }));
      }
    });
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

// Figures a page derives from live prices follow each tick (see "bazaar:price" above):
//  - [data-change-card][data-change-finish][data-change-reference]: a % change from a reference price;
//  - [data-quote-card][data-quote-source][data-quote-finish]: a row of the card page's "all sources";
//  - [data-market-card][data-market-finish]: another row of the same card and finish on the page
//    (a store's inventory lists one card in several conditions; the live span's id is unique);
//  - [data-line-card][data-line-finish][data-line-quantity][data-line-price]: a list line's value
//    (quantity × price); the [data-list-total] of its list ([data-list-kind]) moves by the difference.
(function () {
  "use strict";
  if (window.bazaarLiveFigures) return;
  window.bazaarLiveFigures = true;
  const SYMBOLS = { USD: "$", EUR: "€", GBP: "£" };

  function money(amount, currency) {
    const sign = amount < 0 ? "-" : "";
    const symbol = SYMBOLS[currency] || (currency + " ");
    return sign + symbol + Math.abs(amount).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function signedPct(value) {
    if (value > 0) return "+" + value.toFixed(2) + "%";
    if (value < 0) return "\u2212" + Math.abs(value).toFixed(2) + "%";
    return "0.00%";
  }

  function utcStamp(date) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
  }

  function matching(prefix, cardId, finish) {
    return document.querySelectorAll(`[data-${prefix}-card="${cardId}"][data-${prefix}-finish="${finish}"]`);
  }

  document.addEventListener("bazaar:price", (event) => {
    const { cardId, finish, price } = event.detail;
    const span = document.getElementById(`price-${cardId}-${finish}`);
    const currency = (span && span.dataset.currency) || "USD";
    matching("change", cardId, finish).forEach((cell) => {
      const reference = parseFloat(cell.dataset.changeReference);
      if (!(reference > 0)) return;
      const pct = Math.round(((price - reference) / reference) * 10000) / 100;
      cell.textContent = signedPct(pct);
      cell.classList.toggle("change-up", pct > 0);
      cell.classList.toggle("change-down", pct < 0);
    });
    matching("quote", cardId, finish).forEach((row) => {
      const source = span && span.dataset.source;
      if (!source || row.dataset.quoteSource !== source || row.dataset.quoteCurrency !== currency) return;
      row.querySelector("[data-quote-price]").textContent = money(price, currency);
      row.querySelector("[data-quote-seen]").textContent = utcStamp(new Date());
    });
    matching("market", cardId, finish).forEach((cell) => { cell.textContent = money(price, currency); });
    // A list's total covers every line (also those on other pages): move it by what changed here.
    matching("line", cardId, finish).forEach((line) => {
      const quantity = parseInt(line.dataset.lineQuantity || "0", 10);
      const before = parseFloat(line.dataset.linePrice || "0") || 0;
      line.dataset.linePrice = price.toFixed(2);
      line.querySelectorAll("[data-line-value-text]").forEach((el) => { el.textContent = money(price * quantity, currency); });
      const list = line.closest("[data-list-kind]");
      const total = list && list.querySelector("[data-list-total]");
      if (!total) return;
      const value = (parseFloat(total.dataset.listTotal || "0") || 0) + quantity * (price - before);
      total.dataset.listTotal = value.toFixed(2);
      total.textContent = money(value, total.dataset.currency || currency);
    });
  });
})();
