// passkey.js: the browser's side of the passkey (WebAuthn) ceremonies on
// "Weryfikacja dwuetapowa" (data-passkey="register") and "Kod
// weryfikacyjny" (data-passkey="signin"). It asks the JSON API for the
// options (data-options), lets the browser create or use the credential,
// and submits the form with the answer in its "credential" field; the
// server checks everything. Without WebAuthn the form says so.
(function () {
  'use strict';

  function toBuffer(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) { s += '='; }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }

  function toBase64url(buf) {
    var bytes = new Uint8Array(buf), bin = '';
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  // credentialJSON is the PublicKeyCredential in WebAuthn's JSON form.
  function credentialJSON(c) {
    var r = c.response, out = {
      id: c.id, rawId: toBase64url(c.rawId), type: c.type,
      response: { clientDataJSON: toBase64url(r.clientDataJSON) },
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {}
    };
    if (c.authenticatorAttachment) { out.authenticatorAttachment = c.authenticatorAttachment; }
    if (r.attestationObject) {
      out.response.attestationObject = toBase64url(r.attestationObject);
      if (r.getTransports) { out.response.transports = r.getTransports(); }
    }
    if (r.authenticatorData) {
      out.response.authenticatorData = toBase64url(r.authenticatorData);
      out.response.signature = toBase64url(r.signature);
      if (r.userHandle) { out.response.userHandle = toBase64url(r.userHandle); }
    }
    return JSON.stringify(out);
  }

  function publicKeyOptions(o) {
    var pk = o.publicKey;
    pk.challenge = toBuffer(pk.challenge);
    if (pk.user) { pk.user.id = toBuffer(pk.user.id); }
    (pk.excludeCredentials || []).concat(pk.allowCredentials || []).forEach(function (d) { d.id = toBuffer(d.id); });
    return pk;
  }

  function fail(form) {
    var e = form.querySelector('#klucz-blad');
    if (e) { e.hidden = false; }
    var b = form.querySelector('button[type=submit]');
    if (b) { b.disabled = false; }
  }

  document.querySelectorAll('form[data-passkey]').forEach(function (form) {
    var register = form.getAttribute('data-passkey') === 'register';
    form.addEventListener('submit', function (ev) {
      var field = form.querySelector('input[name=credential]');
      if (field.value) { return; } // the answer is in: let the form go
      ev.preventDefault();
      if (register) {
        var name = form.querySelector('#name');
        if (name && !name.value.trim()) { form.submit(); return; } // the server names the missing field
      }
      if (!window.PublicKeyCredential || !navigator.credentials) { fail(form); return; }
      form.querySelector('button[type=submit]').disabled = true;
      fetch(form.getAttribute('data-options'), {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' }, body: '{}'
      }).then(function (res) {
        if (!res.ok) { throw new Error('options: ' + res.status); }
        return res.json();
      }).then(function (o) {
        var pk = publicKeyOptions(o);
        return register ? navigator.credentials.create({ publicKey: pk }) : navigator.credentials.get({ publicKey: pk });
      }).then(function (c) {
        field.value = credentialJSON(c);
        form.submit();
      }).catch(function () { fail(form); });
    });
  });
}());
