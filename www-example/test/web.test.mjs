// The web page in headless Chromium (Debian's chromium driven by
// playwright-core from tools/), through the real backend and mock: both tap
// handlers, the code flow, and the package's web build loading in the page.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testStack } from './helpers.mjs';

// playwright-core is a repo tool (tools/package.json), installed by scripts/setup.sh.
const toolsRequire = createRequire(fileURLToPath(new URL('../../tools/package.json', import.meta.url)));
const { chromium } = toolsRequire('playwright-core');
const executablePath = process.env.CHROMIUM ?? execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();

let s, browser;
test.before(async () => {
  s = await testStack();
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
});
test.after(async () => {
  await browser?.close();
  await s?.close();
});

async function openPage(query) {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  await page.goto(`${s.backendUrl}/${query}`);
  // Logged in on load, before any tap; the package's web build ready.
  await page.locator('#login-status[data-status="ok"]').waitFor();
  await page.locator('#pkg-status:not([data-status="pending"])').waitFor();
  return { page, problems };
}

async function tap(page, button = '#get-phone') {
  await page.click(button);
  const result = page.locator('#result[data-status="ok"], #result[data-status="error"]');
  await result.waitFor();
  return { status: await result.getAttribute('data-status'), text: await result.textContent() };
}

test('correct mode: login on load, tap, the phone number is shown', async () => {
  const { page, problems } = await openPage('?user=web-ok');
  assert.equal(await page.getAttribute('#pkg-status', 'data-status'), 'ok', await page.textContent('#pkg-status'));
  const r = await tap(page);
  assert.equal(r.status, 'ok', r.text);
  assert.equal(r.text, `Phone number: ${s.mock.client.phoneOf('web-ok').phoneNumber} (+86 ${s.mock.client.phoneOf('web-ok').purePhoneNumber})`);
  // Tapping again keeps working: nothing rotates the key behind the server's back.
  assert.equal((await tap(page)).status, 'ok');
  assert.match(await page.textContent('#steps'), /wx\.checkSession ok/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('anti-pattern mode (?mode=antipattern): wx.login in the callback -> DECRYPT_FAILED on the page', async () => {
  const { page, problems } = await openPage('?user=web-bad&mode=antipattern');
  assert.equal(await page.isChecked('#mode-antipattern'), true);
  const r = await tap(page);
  assert.equal(r.status, 'error');
  assert.match(r.text, /^Error DECRYPT_FAILED: /);
  assert.match(await page.textContent('#steps'), /session_key rotated/);
  // It fails every time, not by chance.
  assert.match((await tap(page)).text, /^Error DECRYPT_FAILED: /);
  const line = s.parsedLogs().findLast((l) => l.event === 'phone.decrypt_failed');
  assert.equal(line.code, 'DECRYPT_FAILED');
  // Switching the toggle back to the correct handler fixes it on the next tap.
  await page.check('#mode-correct');
  assert.equal((await tap(page)).status, 'ok');
  assert.deepEqual(problems.filter((p) => !p.includes('422')), []); // the browser logs the 422 response itself
  await page.close();
});

test('code flow button: phone via /api/phone-by-code', async () => {
  const { page } = await openPage('?user=web-code');
  const r = await tap(page, '#get-phone-code');
  assert.equal(r.status, 'ok', r.text);
  assert.match(r.text, new RegExp(`^Phone number: ${s.mock.client.phoneOf('web-code').phoneNumber}`));
  await page.close();
});

test('expired login state: wx.checkSession fails in the callback -> logs in again, asks for another tap', async () => {
  const { page } = await openPage('?user=web-exp');
  // The package's mock never expires a login state (its checkSession is valid
  // from the first wx.login on), so the page's stand-in for wx.checkSession is
  // answered "expired" once, as WeChat would after the login state lapsed.
  await page.route(`${s.wechatUrl}/__client/checkSession`, (route) => route.fulfill({
    status: 200,
    headers: { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type' },
    json: { valid: false },
  }), { times: 1 });
  const r = await tap(page);
  assert.equal(r.status, 'error');
  assert.match(r.text, /Session expired: logged in again, please tap once more/);
  assert.equal((await tap(page)).status, 'ok');
  await page.close();
});
