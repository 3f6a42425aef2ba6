// Small site-wide behaviour. Everything works without JavaScript; this only smooths it.
(function () {
  "use strict";
  // The hall answers 400 when a filter value is invalid, with the results and the message: show it anyway.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
