// Session countdown (SPEC §8): in the last minutes before the idle timeout
// an accessible dialog counts down "Twoja sesja wygaśnie za m:ss" with
// "Przedłuż sesję" and "Wyloguj". The server enforces the timeout anyway;
// this only warns. Before opening, and before giving up, it asks the server
// (GET /api/v1/session, which does not count as activity) how much time is
// really left, since another tab may have kept the session alive.
(function () {
  'use strict';

  var body = document.body;
  var idle = parseInt(body.getAttribute('data-idle-seconds'), 10);
  var warn = parseInt(body.getAttribute('data-warn-seconds'), 10);
  var dialog = document.getElementById('sesja-dialog');
  var clock = document.getElementById('sesja-czas');
  var extendForm = document.getElementById('sesja-przedluz');
  if (!idle || !warn || !dialog || !clock || !extendForm || typeof dialog.showModal !== 'function') {
    return;
  }

  var deadline = Date.now() + idle * 1000;
  var checking = false;
  var dismissed = false;
  var returnFocus = null;

  function format(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ':' + (s < 10 ? '0' : '') + s;
  }

  function expired() {
    window.location.assign('/logowanie?sesja=wygasla');
  }

  // ask returns the seconds the server says are left, or null when the
  // session is gone.
  function ask(then) {
    checking = true;
    fetch('/api/v1/session', { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        checking = false;
        then(j && typeof j.idle_seconds_left === 'number' ? j.idle_seconds_left : null);
      })
      .catch(function () { checking = false; then(0); });
  }

  function open() {
    if (dialog.open) { return; }
    returnFocus = document.activeElement;
    dialog.showModal();
  }

  function close() {
    if (dialog.open) { dialog.close(); }
    if (returnFocus && typeof returnFocus.focus === 'function') { returnFocus.focus(); }
  }

  function tick() {
    var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    if (checking) { return; }
    if (left <= 0) {
      ask(function (server) {
        if (server === null || server <= 0) { expired(); return; }
        deadline = Date.now() + server * 1000;
        close();
      });
      return;
    }
    if (left <= warn && !dialog.open && !dismissed) {
      ask(function (server) {
        if (server === null) { expired(); return; }
        deadline = Date.now() + server * 1000;
        if (server <= warn) {
          clock.textContent = format(server);
          open();
        }
      });
      return;
    }
    if (dialog.open) { clock.textContent = format(left); }
  }

  dialog.addEventListener('cancel', function () { dismissed = true; });

  extendForm.addEventListener('submit', function (e) {
    e.preventDefault();
    var data = new URLSearchParams(new FormData(extendForm));
    fetch(extendForm.action, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Accept': 'application/json' },
      body: data
    })
      .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.json(); })
      .then(function (j) {
        var left = typeof j.idle_seconds_left === 'number' ? j.idle_seconds_left : idle;
        deadline = Date.now() + left * 1000;
        dismissed = false;
        close();
      })
      .catch(function () { extendForm.submit(); });
  });

  window.setInterval(tick, 1000);
}());
