// The Mini Program page (miniprogram/pages/phone) in miniprogram-simulate,
// rendered with WeChat's own WXML compiler (wcc, shipped for Linux in
// miniprogram-compiler) into a jsdom document. `wx` is a stub whose login,
// checkSession and request go over HTTP to the real mock and backend; the
// getphonenumber event carries what the mock's WeChat client produced.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { JSDOM } from 'jsdom';
import { testStack, post } from './helpers.mjs';

const require = createRequire(import.meta.url);
const page = fileURLToPath(new URL('../miniprogram/pages/phone/phone', import.meta.url));

// The DOM miniprogram-simulate renders into.
const { window } = new JSDOM('<!doctype html><html><head></head><body></body></html>', { pretendToBeVisual: true });
for (const key of ['window', 'document', 'navigator', 'Node', 'Element', 'HTMLElement', 'Event', 'CustomEvent', 'MutationObserver', 'getComputedStyle', 'requestAnimationFrame']) {
  Object.defineProperty(globalThis, key, { value: key === 'window' ? window : window[key], configurable: true, writable: true });
}

let s;
let user;
const requests = []; // every wx.request the page made: {url, method, header, body}
// Users whose login state has lapsed: wx.checkSession fails for them until
// their next wx.login. The package's mock never expires a login state, so the
// stub does it, as the WeChat client would.
const expired = new Set();
test.before(async () => { s = await testStack(); });
test.after(() => s.close());

// The parts of `wx` the page uses, backed by the real servers.
function installWx() {
  const call = (promise, { success, fail, complete }) => promise.then(
    (res) => { success?.(res); complete?.(res); },
    (err) => { const e = { errMsg: String(err.message ?? err) }; fail?.(e); complete?.(e); },
  );
  globalThis.getApp = () => ({ globalData: { apiBase: s.backendUrl } });
  globalThis.wx = {
    login: (o) => call(post(s.wechatUrl, '/__client/login', { user }).then((r) => {
      expired.delete(user);
      return { errMsg: 'login:ok', code: r.data.code };
    }), o),
    checkSession: (o) => call(post(s.wechatUrl, '/__client/checkSession', { user }).then((r) => {
      if (!r.data.valid || expired.has(user)) throw new Error('checkSession:fail session expired');
      return { errMsg: 'checkSession:ok' };
    }), o),
    request: ({ url, method = 'GET', header = {}, data, ...o }) => {
      // Like the real wx.request: an object body with content-type application/json is sent as JSON.
      const isJson = /application\/json/i.test(header['content-type'] ?? '');
      const body = isJson ? JSON.stringify(data) : new URLSearchParams(data).toString();
      requests.push({ url, method, header, body });
      return call(fetch(url, { method, headers: header, body }).then(async (res) => ({
        errMsg: 'request:ok', statusCode: res.status, data: await res.json(), header: Object.fromEntries(res.headers),
      })), o);
    },
  };
}

const simulate = () => require('miniprogram-simulate');

async function openPage(name) {
  user = name;
  installWx();
  const comp = simulate().render(simulate().load(page));
  comp.attach(document.createElement('parent-wrapper'));
  comp.instance.onLoad();
  await until(() => comp.data.ready || /failed/.test(comp.data.statusText));
  return comp;
}

async function until(cond) {
  // Polls the page's state; the test's own deadline is node --test's, not ours.
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}
const text = (comp, sel) => comp.querySelector(sel)?.dom.textContent.trim() ?? null;

async function tapWith(comp, detail) {
  const before = comp.data.statusText;
  comp.querySelector('#phone-btn').dispatchEvent('getphonenumber', { detail });
  await until(() => comp.data.statusText !== before && !/Checking/.test(comp.data.statusText) || comp.data.error);
}

test('login on load, tap, checkSession ok: the number is rendered; the body went as JSON', async () => {
  const comp = await openPage('mp-ok');
  assert.equal(text(comp, '#status'), 'Logged in. Tap to share your phone number.');
  let tap;
  do tap = (await post(s.wechatUrl, '/__client/getPhoneNumber', { user })).data; while (!tap.encryptedData.includes('+'));
  await tapWith(comp, { errMsg: 'getPhoneNumber:ok', ...tap });
  assert.equal(text(comp, '#phone'), s.mock.client.phoneOf('mp-ok').phoneNumber);
  assert.equal(text(comp, '#error'), null);
  const sent = requests.findLast((r) => r.url.endsWith('/api/phone'));
  assert.equal(sent.header['content-type'], 'application/json');
  assert.equal(JSON.parse(sent.body).encryptedData, tap.encryptedData, "'+' arrives intact");
});

test('the user declines: no request, a message', async () => {
  const comp = await openPage('mp-deny');
  const n = requests.length;
  comp.querySelector('#phone-btn').dispatchEvent('getphonenumber', { detail: { errMsg: 'getPhoneNumber:fail user deny' } });
  await until(() => comp.data.error);
  assert.equal(text(comp, '#error'), 'Not shared (getPhoneNumber:fail user deny)');
  assert.equal(requests.length, n);
});

test('expired login state: checkSession fails -> log in again, ask for another tap; the next tap works', async () => {
  const comp = await openPage('mp-exp');
  const tap = (await post(s.wechatUrl, '/__client/getPhoneNumber', { user })).data;
  expired.add('mp-exp');
  await tapWith(comp, { errMsg: 'getPhoneNumber:ok', ...tap });
  await until(() => comp.data.error);
  assert.equal(text(comp, '#error'), 'Your session expired. Please tap again.');
  assert.ok(!requests.some((r) => r.url.endsWith('/api/phone') && JSON.parse(r.body).iv === tap.iv), 'stale data not sent');
  const tap2 = (await post(s.wechatUrl, '/__client/getPhoneNumber', { user })).data;
  await tapWith(comp, { errMsg: 'getPhoneNumber:ok', ...tap2 });
  await until(() => comp.data.phoneNumber);
  assert.equal(text(comp, '#phone'), s.mock.client.phoneOf('mp-exp').phoneNumber);
});

test('a backend error is shown with its stable code (data sealed before another wx.login elsewhere)', async () => {
  const comp = await openPage('mp-stale');
  const tap = (await post(s.wechatUrl, '/__client/getPhoneNumber', { user })).data;
  await s.loginAs('mp-stale'); // the same user logs in again elsewhere: WeChat rotates the key
  await tapWith(comp, { errMsg: 'getPhoneNumber:ok', ...tap });
  assert.match(text(comp, '#error'), /^DECRYPT_FAILED: /);
});
