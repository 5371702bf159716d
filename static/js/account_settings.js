// Settings page: fill coordinates from the browser, select a new API token on focus.
// Optional: fill coordinates from the browser. The form works without it.
(function () {
  var button = document.getElementById("use-my-location");
  if (!button || !("geolocation" in navigator)) return;
  var status = document.getElementById("geo-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "Asking your browser for your location…";
    navigator.geolocation.getCurrentPosition(function (position) {
      document.getElementById("id_latitude").value = position.coords.latitude.toFixed(6);
      document.getElementById("id_longitude").value = position.coords.longitude.toFixed(6);
      document.getElementById("id_postal_code").value = "";
      document.querySelector("details.coordinates").open = true;
      status.textContent = "Coordinates filled in. Save settings to keep them.";
    }, function () {
      status.textContent = "Your browser did not share a location. Enter a ZIP code instead.";
    }, {maximumAge: 600000, timeout: 10000});
  });
})();
document.addEventListener("focusin", function (event) {
  if (event.target.matches && event.target.matches("[data-select-on-focus]")) event.target.select();
});
