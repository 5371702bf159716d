// A live conversation box ([data-thread-messages]): opens at the newest message, stays pinned to
// the bottom while the reader is there, offers "New messages" when they have scrolled up, keeps
// the reader's place when older messages load above. Without this file the list still reads.
(function () {
  "use strict";
  if (window.bazaarThreads) return;
  window.bazaarThreads = true;
  const NEAR_BOTTOM_PX = 48;

  function setUp(list) {
    if (list.dataset.threadReady) return;
    list.dataset.threadReady = "true";
    const jump = list.parentElement.querySelector("[data-thread-jump]");
    let pinned = true;
    let last = list.lastElementChild;
    let keepFromBottom = null; // distance from the bottom to restore after older messages land

    const atBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight <= NEAR_BOTTOM_PX;
    const toBottom = () => { list.scrollTop = list.scrollHeight; };
    const hideJump = () => { if (jump) jump.hidden = true; };

    toBottom();
    list.addEventListener("scroll", () => {
      pinned = atBottom();
      if (pinned) hideJump();
    }, { passive: true });
    if (jump) {
      jump.addEventListener("click", () => {
        toBottom();
        pinned = true;
        hideJump();
        list.focus({ preventScroll: true });
      });
    }
    list.addEventListener("htmx:beforeRequest", (event) => {
      if (event.target.closest("[data-thread-older]")) keepFromBottom = list.scrollHeight - list.scrollTop;
    });
    new MutationObserver(() => {
      const newest = list.lastElementChild;
      if (newest !== last) { // appended: a new message
        last = newest;
        const mine = newest && newest.dataset.sender && newest.dataset.sender === list.dataset.me;
        if (pinned || mine) {
          toBottom();
          pinned = true;
        } else if (jump) {
          jump.hidden = false;
        }
      } else if (keepFromBottom !== null) { // prepended: older messages above the reader
        list.scrollTop = list.scrollHeight - keepFromBottom;
        keepFromBottom = null;
      }
    }).observe(list, { childList: true });
    window.addEventListener("resize", () => { if (pinned) toBottom(); });
  }

  function setUpAll() { document.querySelectorAll("[data-thread-messages]").forEach(setUp); }
  setUpAll(); // deferred: the document is parsed, so the box opens at the newest before the first paint
  document.addEventListener("DOMContentLoaded", setUpAll);
})();
