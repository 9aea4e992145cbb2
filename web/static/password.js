// password.js ticks off the rules of a new password while the user types
// ("Aktualizuj hasło", the reset page): each rule the password meets turns
// green, and a screen reader hears whether it is met. The server checks the
// same rules when the form is sent; the list of common passwords only there.
(function () {
  "use strict";
  var box = document.getElementById("reguly");
  var input = document.getElementById("new");
  var repeat = document.getElementById("repeat");
  if (!box || !input) {
    return;
  }
  var polish = { "ą": "a", "ć": "c", "ę": "e", "ł": "l", "ń": "n", "ó": "o", "ś": "s", "ź": "z", "ż": "z" };
  function fold(s) {
    return s.toLowerCase().replace(/[ąćęłńóśźż]/g, function (c) { return polish[c]; });
  }
  function length(s) {
    return Array.from(s).length;
  }
  // Name parts of 3 or more letters, and the login, as password.Policy has them.
  var parts = fold(box.dataset.names || "").split(/[^\p{L}]+/u).filter(function (p) { return length(p) >= 3; });
  var login = fold((box.dataset.login || "").trim());
  var checks = {
    min: function (pw, li) { return length(pw) >= Number(li.dataset.value); },
    lower: function (pw) { return /\p{Ll}/u.test(pw); },
    upper: function (pw) { return /\p{Lu}/u.test(pw); },
    special: function (pw) { return /[^\p{L}\p{Nd}\p{Cc}]/u.test(pw); },
    edges: function (pw) { return /^\p{L}/u.test(pw) && /\p{L}$/u.test(pw); },
    personal: function (pw) {
      if (pw === "") {
        return false;
      }
      var f = fold(pw);
      var hasName = parts.some(function (p) { return f.indexOf(p) >= 0; });
      var hasLogin = length(login) >= 3 && f.indexOf(login) >= 0;
      return !hasName && !hasLogin;
    },
    match: function (pw) { return pw !== "" && repeat !== null && repeat.value === pw; }
  };
  var rules = box.querySelectorAll("li.rule");
  function update() {
    var pw = input.value;
    rules.forEach(function (li) {
      var check = checks[li.dataset.rule];
      if (!check) {
        return; // "common": only the server knows the list
      }
      var met = check(pw, li);
      li.classList.toggle("rule-met", met);
      li.querySelector(".rule-state").textContent = met ? box.dataset.met : box.dataset.unmet;
    });
  }
  input.addEventListener("input", update);
  if (repeat) {
    repeat.addEventListener("input", update);
  }
  box.classList.add("rules-live");
  update();
})();
