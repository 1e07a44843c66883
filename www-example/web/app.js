// The Mini Program, played by a web page. `wx` below stands in for the
// WeChat client API: its login/getPhoneNumber go to the mock's /__client
// routes, which rotate and use the user's session_key exactly as WeChat does.
// Everything else (our backend's /api routes) is what a real Mini Program calls.
const params = new URLSearchParams(location.search);
const user = params.get('user') ?? `web-${Math.random().toString(36).slice(2, 10)}`;
const $ = (id) => document.getElementById(id);
const steps = $('steps');
const step = (text) => { const li = document.createElement('li'); li.textContent = text; steps.append(li); };

async function postJson(url, body) {
  // JSON body: base64's '+' survives (a form body or query string would turn it into ' ').
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, data: await res.json() };
}

const config = await fetch('/demo-config.json').then((r) => r.json());
const wx = {
  async login() {
    const r = await postJson(`${config.wechatClient}/__client/login`, { user });
    if (r.status !== 200) throw new Error(r.data.errMsg);
    return { code: r.data.code };
  },
  async checkSession() {
    const r = await postJson(`${config.wechatClient}/__client/checkSession`, { user });
    return r.data.valid === true;
  },
  // What the button's bindgetphonenumber receives: encrypted with the key WeChat holds NOW.
  async tapGetPhoneNumber() {
    const r = await postJson(`${config.wechatClient}/__client/getPhoneNumber`, { user });
    if (r.status !== 200) throw new Error(r.data.errMsg);
    return r.data;
  },
};

let token = null;
async function login() {
  const { code } = await wx.login();
  const r = await postJson('/api/login', { code });
  if (r.status !== 200) throw Object.assign(new Error(r.data.message), { code: r.data.error });
  token = r.data.token;
}

const mode = () => ($('mode-antipattern').checked ? 'antipattern' : 'correct');
if (params.get('mode') === 'antipattern') $('mode-antipattern').checked = true;

function show(status, text) {
  const out = $('result');
  out.dataset.status = status;
  out.textContent = text;
}

function showPhone(r) {
  if (r.status === 200) show('ok', `Phone number: ${r.data.phoneNumber} (+${r.data.countryCode} ${r.data.purePhoneNumber})`);
  else show('error', `Error ${r.data.error}: ${r.data.message}`);
}

async function onGetPhoneNumber() {
  steps.replaceChildren();
  show('pending', '…');
  try {
    const detail = await wx.tapGetPhoneNumber();
    step('tap: WeChat encrypted the phone number with the session_key it holds now');
    if (mode() === 'antipattern') {
      // THE BUG: logging in here asks WeChat for a new login state. The data
      // above was encrypted with the old session_key; the server now holds the new one.
      await login();
      step('callback: wx.login + /api/login (session_key rotated; the server now holds the NEW key)');
    } else if (!(await wx.checkSession())) {
      // The login state expired: this data cannot be trusted to match. Log in, ask for another tap.
      await login();
      step('callback: wx.checkSession failed, logged in again');
      show('error', 'Session expired: logged in again, please tap once more.');
      return;
    } else {
      step('callback: wx.checkSession ok, the server still holds the key WeChat used');
    }
    const r = await postJson('/api/phone', { token, encryptedData: detail.encryptedData, iv: detail.iv });
    step(`POST /api/phone -> ${r.status}`);
    showPhone(r);
  } catch (e) {
    show('error', `Error ${e.code ?? 'CLIENT'}: ${e.message}`);
  }
}

async function onGetPhoneNumberByCode() {
  steps.replaceChildren();
  show('pending', '…');
  try {
    const { code } = await wx.tapGetPhoneNumber();
    step('tap: the button gave a single-use phone code (valid 5 minutes)');
    const r = await postJson('/api/phone-by-code', { code });
    step(`POST /api/phone-by-code -> ${r.status}`);
    showPhone(r);
  } catch (e) {
    show('error', `Error ${e.code ?? 'CLIENT'}: ${e.message}`);
  }
}

$('get-phone').addEventListener('click', onGetPhoneNumber);
$('get-phone-code').addEventListener('click', onGetPhoneNumberByCode);

// Log in on page load, BEFORE any tap: the WeChat document's advice.
try {
  await login();
  $('login-status').dataset.status = 'ok';
  $('login-status').textContent = `Logged in (user ${user}); the session_key stays on the server.`;
  $('get-phone').disabled = false;
  $('get-phone-code').disabled = false;
} catch (e) {
  $('login-status').dataset.status = 'error';
  $('login-status').textContent = `Login failed: ${e.message}`;
}

// The package's web build, served by the backend, works in this browser too:
// a round trip with a throwaway key (nothing here touches the real flow).
try {
  const { init, encryptData, decryptPhone } = await import('/pkg/web/index.mjs');
  await init();
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const sample = { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86', watermark: { timestamp: Math.floor(Date.now() / 1000), appid: config.appId } };
  const { encryptedData, iv } = encryptData(key, sample);
  const back = decryptPhone(key, encryptedData, iv, { appId: config.appId, maxAgeSeconds: 60 });
  const ok = back.phoneNumber === sample.phoneNumber;
  $('pkg-status').dataset.status = ok ? 'ok' : 'error';
  $('pkg-status').textContent = `wx-open-data web build: loaded, round trip ${ok ? 'ok' : 'WRONG'}`;
} catch (e) {
  $('pkg-status').dataset.status = 'error';
  $('pkg-status').textContent = `wx-open-data web build failed: ${e.name} ${e.code ?? ''} ${e.message}`;
}
