// deployctl serve: live updates over Server-Sent Events. The page works without this (it is
// rendered on the server); with it, the section marked data-live is replaced whenever the
// server sees ZooKeeper change (it pushes; nothing here polls).
(function () {
  "use strict";
  var live = document.querySelector("[data-live]");
  if (!live || !window.EventSource) { return; }
  var source = new EventSource(live.getAttribute("data-live"));
  source.addEventListener("update", function (e) {
    live.innerHTML = e.data;
    document.documentElement.setAttribute("data-updates",
      String(Number(document.documentElement.getAttribute("data-updates") || 0) + 1));
  });
})();
