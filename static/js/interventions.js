// Progressive enhancement for the 4W pages; every page works without this file.
// 1. The disaggregation rule as the user types: women + men + girls + boys and persons
//    with disabilities never exceed the total (the server checks it again).
// 2. An import's progress bar, polling its JSON status (the page has a Refresh link).
(function () {
  "use strict";

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_match, name) {
      return String(values[name]);
    });
  }

  function number(input) {
    var value = parseInt(input && input.value, 10);
    return isNaN(value) || value < 0 ? 0 : value;
  }

  function updateHint(group) {
    var hint = document.querySelector('[data-counts-hint="' + group + '"]');
    if (!hint) {
      return;
    }
    var inputs = {};
    document.querySelectorAll('[data-counts="' + group + '"]').forEach(function (input) {
      inputs[input.getAttribute("data-part")] = input;
    });
    var parts = ["women", "men", "girls", "boys"].reduce(function (sum, part) {
      return sum + number(inputs[part]);
    }, 0);
    var totalInput = inputs.total;
    var hasTotal = totalInput && totalInput.value.trim() !== "";
    var total = hasTotal ? number(totalInput) : parts;
    var disabled = number(inputs.disabled);
    var values = { parts: parts, total: total, disabled: disabled };
    var problem = false;
    var text;
    if (parts > total) {
      text = format(hint.getAttribute("data-too-many"), values);
      problem = totalInput;
    } else if (disabled > total) {
      text = format(hint.getAttribute("data-disabled"), values);
      problem = inputs.disabled;
    } else if (!hasTotal) {
      text = format(hint.getAttribute("data-auto"), values);
    } else {
      text = format(hint.getAttribute("data-ok"), values);
    }
    hint.textContent = text;
    hint.classList.toggle("counts__hint--problem", Boolean(problem));
    Object.keys(inputs).forEach(function (part) {
      var input = inputs[part];
      if (input === problem) {
        input.setAttribute("aria-invalid", "true");
      } else if (!input.closest(".field--invalid")) {
        input.removeAttribute("aria-invalid");
      }
    });
  }

  document.querySelectorAll("[data-counts-hint]").forEach(function (hint) {
    var group = hint.getAttribute("data-counts-hint");
    updateHint(group);
    document.querySelectorAll('[data-counts="' + group + '"]').forEach(function (input) {
      input.addEventListener("input", function () {
        updateHint(group);
      });
    });
  });

  var status = document.querySelector("[data-import-status]");
  if (status && window.fetch) {
    var bar = status.querySelector("[data-import-bar]");
    var url = status.getAttribute("data-import-status");
    var page = status.getAttribute("data-import-page");
    var poll = function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (!data) {
            return;
          }
          if (bar) {
            bar.value = data.progress;
            bar.textContent = data.progress + "%";
          }
          if (data.running) {
            window.setTimeout(poll, 1500);
          } else {
            window.location.assign(page);
          }
        })
        .catch(function () {
          window.setTimeout(poll, 5000);
        });
    };
    window.setTimeout(poll, 1000);
  }
})();
