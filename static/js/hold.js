// The hold on a driver's route (issue 14). Every minute, asks the route's tiny hold
// endpoint (no stop, no contact is loaded); when a hold comes, the addresses on the page
// are removed at once and the hold is shown. Without this file the page shows the hold
// whenever it is loaded, and its addresses are gone then too.
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
      if (request.status !== 200) return;
      var answer;
      try {
        answer = JSON.parse(request.responseText);
      } catch (e) {
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
    request.send();
  }

  window.setInterval(check, 60 * 1000);
})();
