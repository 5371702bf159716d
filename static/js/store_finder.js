// Store finder: "Use my location" fills the search from the browser. The form works without it.
(function () {
  var button = document.getElementById("use-my-location");
  if (!button || !navigator.geolocation) { return; }
  var status = document.getElementById("geo-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "Finding you…";
    navigator.geolocation.getCurrentPosition(function (position) {
      document.getElementById("near").value = position.coords.latitude.toFixed(4) + "," + position.coords.longitude.toFixed(4);
      status.textContent = "Location filled in.";
      button.form.submit();
    }, function () { status.textContent = "Your browser did not share a location; type a ZIP code instead."; });
  });
})();
