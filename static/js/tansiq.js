// Progressive enhancement only: every page works without this file.
// Close an open disclosure menu (<details class="menu">) on Escape or a click outside it.
(function () {
  "use strict";
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) {
        menu.removeAttribute("open");
      }
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details.menu"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var open = document.querySelector("details.menu[open]");
      if (open) {
        open.removeAttribute("open");
        open.querySelector("summary").focus();
      }
    }
  });
})();

// On a phone the main navigation is one row that scrolls sideways: bring the current
// page's tab into view.
(function () {
  "use strict";
  var current = document.querySelector(".main-nav [aria-current='page']");
  var list = current && current.closest("ul");
  if (list && list.scrollWidth > list.clientWidth) {
    current.scrollIntoView({ block: "nearest", inline: "center" });
  }
})();
