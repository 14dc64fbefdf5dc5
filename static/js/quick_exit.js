// "Leave quickly" on the family pages (issue 14). Without this file the button is a plain
// link to the neutral site. With it, the neutral site *replaces* this page in the tab's
// history (location.replace), so Back does not return here and the current entry no
// longer holds the private status link. It cannot erase earlier entries or the browser's
// history list: the page under the button says so.
(function () {
  "use strict";
  var button = document.getElementById("quick-exit");
  if (!button) return;
  function leave(event) {
    if (event) event.preventDefault();
    document.title = "";
    document.body.hidden = true;
    window.location.replace(button.href);
  }
  button.addEventListener("click", leave);
  // Escape pressed twice quickly leaves too, for a keyboard.
  var last = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    if (now - last < 800) leave(event);
    last = now;
  });
})();
