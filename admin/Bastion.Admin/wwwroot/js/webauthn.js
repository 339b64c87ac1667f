// WebAuthn for Bastion's admin app: forms marked data-webauthn="register|login|stepup".
// A "stepup" form confirms the session with the security key, then submits the form named by data-then (the change
// the server held back, as it was typed). A registration the server refuses for want of a step-up does the step-up
// first and then retries. Loaded as a file (CSP script-src 'self'); no inline script anywhere.
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

  // Errors come as {error, stepUp?}; stepUp means "confirm with the security key, then ask again".
  class ServerError extends Error {
    constructor(message, stepUp) { super(message); this.stepUp = stepUp; }
  }
  const readError = async (res) => {
    try {
      const body = await res.json();
      if (body && body.error) return new ServerError(body.error, body.stepUp === true);
    } catch (_) { /* not JSON */ }
    return new ServerError(res.status === 429 ? 'Too many attempts; wait a minute and try again.' : `The server answered ${res.status}.`, false);
  };

  const post = (url, body, token) => fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: token
      ? { 'Content-Type': 'application/json', Accept: 'application/json', RequestVerificationToken: token }
      : { Accept: 'application/json' },
    body,
  });

  // One ceremony: options from the server, the authenticator, the answer back; resolves to the server's JSON.
  const ceremony = async (mode, optionsUrl, verifyUrl, formData, token, status) => {
    status.textContent = 'Contacting the server…';
    const optionsRes = await post(optionsUrl, formData);
    if (!optionsRes.ok) throw await readError(optionsRes);
    const options = await optionsRes.json();
    status.textContent = mode === 'stepup' ? 'Touch your security key to confirm it is you…' : 'Touch your security key…';
    const payload = mode === 'register'
      ? attestationJson(await navigator.credentials.create({ publicKey: creationOptions(options) }))
      : assertionJson(await navigator.credentials.get({ publicKey: requestOptions(options) }));
    status.textContent = 'Checking…';
    const verifyRes = await post(verifyUrl, JSON.stringify(payload), token);
    if (!verifyRes.ok) throw await readError(verifyRes);
    return verifyRes.json();
  };

  const stepUp = (token, status) => {
    const data = new FormData();
    data.append('__RequestVerificationToken', token);
    return ceremony('stepup', '/step-up?handler=options', '/step-up?handler=verify', data, token, status);
  };

  const run = async (form, status) => {
    const mode = form.dataset.webauthn;
    const token = form.querySelector('input[name="__RequestVerificationToken"]').value;
    const once = () => ceremony(mode, form.dataset.optionsUrl, form.dataset.verifyUrl, new FormData(form), token, status);
    let result;
    try {
      result = await once();
    } catch (err) {
      if (!(err instanceof ServerError) || !err.stepUp || mode === 'stepup') throw err;
      await stepUp(token, status);
      result = await once();
    }
    status.textContent = 'Done.';
    const then = form.dataset.then && document.getElementById(form.dataset.then);
    if (then) {
      status.textContent = 'Confirmed; sending your change…';
      then.submit();
    } else {
      window.location.assign(result.redirect || '/');
    }
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
          // At sign-in the server does not say whether a user name exists, so a name with no key here looks the
          // same to the browser as a cancelled request: say both.
          const notAllowed = form.dataset.webauthn === 'login'
            ? 'No security key here answered for that user name: check the name, and touch the key when it blinks (or the request was cancelled or timed out).'
            : 'The security key request was cancelled or timed out.';
          status.textContent = err && err.name === 'NotAllowedError'
            ? notAllowed
            : `Failed: ${err && err.message ? err.message : err}`;
        })
        .finally(() => { button.disabled = false; });
    });
  });
})();
