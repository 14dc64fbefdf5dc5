// The hold on a driver's route (issue 14). Asks the route's tiny hold endpoint (no stop,
// no contact is loaded) at once when the page loads, again when it is shown from the
// back/forward cache (pageshow) or becomes visible again, and every minute. When a hold
// comes, the addresses on the page are removed at once and the hold is shown. Any other
// answer than a 200 (404 once the route was taken back, a login page after the session
// ended, a network error) also removes the addresses: the page no longer knows the route
// is still the driver's. Without this file the page shows the hold whenever it is
// loaded, and its addresses are gone then too.
(function () {
  "use strict";
  var box = document.querySelector("[data-hold-url]");
  if (!box) return;
  var url = box.getAttribute("data-hold-url");
  var text = box.querySelector("[data-hold-text]");

  function clearAddresses() {
    var contacts = document.querySelectorAll(".stop .contact");
    for (var i = 0; i < contacts.length; i++) {
      contacts[i].parentNode.removeChild(contacts[i]);
    }
  }

  function check() {
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      // A redirect to the login page is followed by the browser: responseURL tells.
      var moved = request.responseURL && request.responseURL.indexOf(url) === -1;
      if (request.status !== 200 || moved) {
        clearAddresses();
        return;
      }
      var answer;
      try {
        answer = JSON.parse(request.responseText);
      } catch (e) {
        clearAddresses();
        return;
      }
      if (answer.hold) {
        clearAddresses();
        if (text) text.textContent = answer.text;
        box.hidden = false;
      } else {
        box.hidden = true;
      }
    };
    request.onerror = clearAddresses;
    request.ontimeout = clearAddresses;
    request.send();
  }

  check();
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) check();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") check();
  });
  window.setInterval(check, 60 * 1000);
})();
