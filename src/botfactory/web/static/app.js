// Small niceties only: the dashboard works without this file.
(function () {
  "use strict";
  // Tell the server the browser's time zone so times render locally (UTC stays on hover).
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var current = (document.cookie.match(/(?:^|; )bf_tz=([^;]*)/) || [])[1];
    if (zone && decodeURIComponent(current || "") !== zone) {
      document.cookie = "bf_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=strict";
      // This page was drawn in another zone: redraw its times here rather than reloading.
      document.addEventListener("DOMContentLoaded", function () {
        var fmt = new Intl.DateTimeFormat("sv-SE", {
          timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
          hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short"
        });
        document.querySelectorAll("time[datetime]").forEach(function (el) {
          var when = new Date(el.getAttribute("datetime"));
          if (!isNaN(when)) { el.textContent = fmt.format(when); }
        });
      });
    }
  } catch (e) { /* an old browser: times stay in UTC */ }

  // Ask before destructive actions.
  document.addEventListener("submit", function (event) {
    var button = event.submitter || event.target.querySelector("[data-confirm]");
    var question = button && button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
