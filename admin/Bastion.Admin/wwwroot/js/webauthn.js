// WebAuthn for Bastion's admin app: registration and login forms marked data-webauthn="register|login".
// Loaded as a file (CSP script-src 'self'); no inline script anywhere.
(() => {
  'use strict';

  const fromB64u = (s) => {
    const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
  };
  const toB64u = (buf) => {
    const bytes = new Uint8Array(buf);
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  // The server's JSON may carry nulls for absent members; WebAuthn dictionaries reject null enum values.
  const dropNulls = (v) => {
    if (Array.isArray(v)) return v.map(dropNulls);
    if (v && typeof v === 'object') {
      const out = {};
      for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = dropNulls(x);
      return out;
    }
    return v;
  };

  const creationOptions = (o) => {
    o = dropNulls(o);
    o.challenge = fromB64u(o.challenge);
    o.user.id = fromB64u(o.user.id);
    o.excludeCredentials = (o.excludeCredentials || []).map((c) => ({ ...c, id: fromB64u(c.id) }));
    return o;
  };
  const requestOptions = (o) => {
    o = dropNulls(o);
    o.challenge = fromB64u(o.challenge);
    o.allowCredentials = (o.allowCredentials || []).map((c) => ({ ...c, id: fromB64u(c.id) }));
    return o;
  };

  const attestationJson = (cred) => ({
    id: cred.id,
    rawId: toB64u(cred.rawId),
    type: cred.type,
    response: {
      attestationObject: toB64u(cred.response.attestationObject),
      clientDataJSON: toB64u(cred.response.clientDataJSON),
      transports: typeof cred.response.getTransports === 'function' ? cred.response.getTransports() : [],
    },
    clientExtensionResults: cred.getClientExtensionResults(),
  });
  const assertionJson = (cred) => ({
    id: cred.id,
    rawId: toB64u(cred.rawId),
    type: cred.type,
    response: {
      authenticatorData: toB64u(cred.response.authenticatorData),
      clientDataJSON: toB64u(cred.response.clientDataJSON),
      signature: toB64u(cred.response.signature),
      userHandle: cred.response.userHandle ? toB64u(cred.response.userHandle) : null,
    },
    clientExtensionResults: cred.getClientExtensionResults(),
  });

  const readError = async (res) => {
    try {
      const body = await res.json();
      if (body && body.error) return body.error;
    } catch (_) { /* not JSON */ }
    return res.status === 429 ? 'Too many attempts; wait a minute and try again.' : `The server answered ${res.status}.`;
  };

  const run = async (form, status) => {
    const mode = form.dataset.webauthn;
    const token = form.querySelector('input[name="__RequestVerificationToken"]').value;
    status.textContent = 'Contacting the server…';
    const optionsRes = await fetch(form.dataset.optionsUrl, { method: 'POST', body: new FormData(form), credentials: 'same-origin' });
    if (!optionsRes.ok) throw new Error(await readError(optionsRes));
    const options = await optionsRes.json();
    status.textContent = 'Touch your security key…';
    let payload;
    if (mode === 'register') {
      payload = attestationJson(await navigator.credentials.create({ publicKey: creationOptions(options) }));
    } else {
      payload = assertionJson(await navigator.credentials.get({ publicKey: requestOptions(options) }));
    }
    status.textContent = 'Checking…';
    const verifyRes = await fetch(form.dataset.verifyUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', RequestVerificationToken: token },
      body: JSON.stringify(payload),
    });
    if (!verifyRes.ok) throw new Error(await readError(verifyRes));
    const result = await verifyRes.json();
    status.textContent = 'Done.';
    window.location.assign(result.redirect || '/');
  };

  document.querySelectorAll('form[data-webauthn]').forEach((form) => {
    const status = form.querySelector('[data-status]');
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!window.PublicKeyCredential) {
        status.textContent = 'This browser does not support security keys (WebAuthn).';
        return;
      }
      const button = form.querySelector('button');
      button.disabled = true;
      run(form, status)
        .catch((err) => {
          status.textContent = err && err.name === 'NotAllowedError'
            ? 'The security key request was cancelled or timed out.'
            : `Failed: ${err && err.message ? err.message : err}`;
        })
        .finally(() => { button.disabled = false; });
    });
  });
})();
