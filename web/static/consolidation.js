// consolidation.js keeps the transition screen about the login checked:
// the password field's label names it ("Hasło loginu MDABROWSKA2") and only
// its summary and recovery link show. Without script every block shows,
// each headed by its login.
(function () {
  "use strict";
  var form = document.querySelector("form[data-password-label]");
  if (!form) {
    return;
  }
  var radios = form.querySelectorAll("input[type=radio][name=login]");
  var label = form.querySelector("label[for=password]");
  function update() {
    var chosen = "";
    radios.forEach(function (r) {
      if (r.checked) {
        chosen = r.value;
      }
    });
    document.querySelectorAll("[data-login]").forEach(function (el) {
      el.hidden = chosen !== "" && el.dataset.login !== chosen;
    });
    if (chosen !== "" && label) {
      label.textContent = form.dataset.passwordLabel.replace("{login}", chosen);
    }
  }
  radios.forEach(function (r) {
    r.addEventListener("change", update);
  });
  update();
})();
