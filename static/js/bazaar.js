// Small progressive enhancements. Every page works without this file. No inline scripts or
// on*= handlers anywhere (the Content-Security-Policy forbids them): behaviour lives here.

// <img data-image-fallback> that fails to load is hidden and the element after it shown.
(function () {
  "use strict";
  const showFallback = (img) => {
    img.hidden = true;
    if (img.nextElementSibling) img.nextElementSibling.hidden = false;
  };
  document.addEventListener(
    "error",
    (event) => {
      if (event.target instanceof HTMLImageElement && event.target.matches("[data-image-fallback]")) {
        showFallback(event.target);
      }
    },
    true, // error events do not bubble; catch them on the way down
  );
  // Images that failed before this (deferred) script ran.
  document.querySelectorAll("img[data-image-fallback]").forEach((img) => {
    if (img.complete && img.naturalWidth === 0) showFallback(img);
  });
})();
document.addEventListener("htmx:afterSwap", (event) => {
  // Live price ticks arrive as out-of-band swaps; flash the changed value briefly.
  const el = event.detail.elt;
  if (el && el.classList && el.classList.contains("price")) {
    el.classList.add("flash");
    setTimeout(() => el.classList.remove("flash"), 900);
  }
});
