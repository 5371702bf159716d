// Small progressive enhancements. Every page works without this file.
document.addEventListener("htmx:afterSwap", (event) => {
  // Live price ticks arrive as out-of-band swaps; flash the changed value briefly.
  const el = event.detail.elt;
  if (el && el.classList && el.classList.contains("price")) {
    el.classList.add("flash");
    setTimeout(() => el.classList.remove("flash"), 900);
  }
});
