// Progressive enhancement only: every page works without this file.
// Password strength as the member types, with the same rule as the server
// (length x log2 of the alphabets used, CNIL pools, rounded; at least 12 characters).
(function () {
  "use strict";
  var POOLS = { lower: 26, upper: 26, digit: 10, special: 37 };
  var MIN_LENGTH = 12;
  var MIN_BITS = 80;
  // The words come from the page, translated on the server (Flask-Babel).
  var text = document.body.dataset;

  function poolOf(ch) {
    if (ch >= "a" && ch <= "z") return "lower";
    if (ch >= "A" && ch <= "Z") return "upper";
    if (ch >= "0" && ch <= "9") return "digit";
    return "special";
  }

  function bits(password) {
    var chars = Array.from(password);
    if (!chars.length) return 0;
    var used = {};
    chars.forEach(function (ch) { used[poolOf(ch)] = true; });
    var alphabet = Object.keys(used).reduce(function (sum, pool) { return sum + POOLS[pool]; }, 0);
    return Math.round(chars.length * Math.log2(alphabet));
  }

  function describe(password) {
    var length = Array.from(password).length;
    if (!length) return ["", ""];
    if (length < MIN_LENGTH) return ["weak", text.textShort.replace("{n}", MIN_LENGTH - length)];
    var b = bits(password);
    if (b < MIN_BITS) return ["weak", text.textWeak.replace("{bits}", b)];
    return ["ok", text.textOk.replace("{bits}", b)];
  }

  document.querySelectorAll("input[data-strength]").forEach(function (input) {
    var output = input.form && input.form.querySelector("[data-strength-output]");
    if (output) {
      output.hidden = false;
      input.addEventListener("input", function () {
        var result = describe(input.value);
        output.dataset.level = result[0];
        output.textContent = result[1];
      });
    }
  });

  document.querySelectorAll("input[type=password]").forEach(function (input) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "password-toggle";
    var label = input.labels && input.labels[0] ? input.labels[0].textContent.trim() : "";
    button.textContent = text.textShow;
    button.setAttribute("aria-label", text.textShowLabel + (label ? " : " + label : ""));
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-controls", input.id);
    button.addEventListener("click", function () {
      var visible = input.type === "password";
      input.type = visible ? "text" : "password";
      button.textContent = visible ? text.textHide : text.textShow;
      button.setAttribute("aria-pressed", visible ? "true" : "false");
    });
    var row = document.createElement("div");
    row.className = "password-row";
    input.parentNode.insertBefore(row, input);
    row.appendChild(input);
    row.appendChild(button);
  });
})();

// Drafts kept in this browser while writing (a closed tab, a lost connection): restored into
// an empty text area of the same page, forgotten once the form is sent.
(function () {
  "use strict";
  var store;
  try { store = window.localStorage; } catch (error) { return; }
  if (!store) return;
  document.querySelectorAll("textarea[data-draft]").forEach(function (area) {
    var key = "etabli-draft:" + location.pathname + ":" + area.name;
    var saved = store.getItem(key);
    if (saved && !area.value.trim()) area.value = saved;
    area.addEventListener("input", function () {
      if (area.value.trim()) store.setItem(key, area.value);
      else store.removeItem(key);
    });
    if (area.form) {
      area.form.addEventListener("submit", function (event) {
        var button = event.submitter;
        if (!button || button.name !== "preview") store.removeItem(key);
      });
    }
  });
})();

// At most N trades in a picker: once N are checked, the others wait (the server says so too).
(function () {
  "use strict";
  document.querySelectorAll("fieldset[data-most]").forEach(function (picker) {
    var most = parseInt(picker.dataset.most, 10);
    var boxes = picker.querySelectorAll("input[type=checkbox]");
    function update() {
      var checked = picker.querySelectorAll("input[type=checkbox]:checked").length;
      boxes.forEach(function (box) { box.disabled = !box.checked && checked >= most; });
    }
    boxes.forEach(function (box) { box.addEventListener("change", update); });
    update();
  });
})();
