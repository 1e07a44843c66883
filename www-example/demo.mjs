// `make demo`: the whole getPhoneNumber flow, in the terminal, against real
// local servers: the package's mock of WeChat (wx-open-data/mock) and the
// example backend (server/).
//
//   1. wx.login on page load -> POST /api/login: the backend exchanges the code
//      (WeChatClient#code2Session, jscode2session) and keeps the session_key
//      (the client gets a token).
//   2. The user taps; WeChat encrypts the phone number with the current key;
//      POST /api/phone -> decryptPhone(..., {appId, maxAgeSeconds: 300}).
//   3. The code flow: POST /api/phone-by-code -> WeChatClient#getPhoneNumber
//      (getuserphonenumber, with an access token from stable_token).
//   4. The anti-pattern: wx.login inside the tap callback rotates the key;
//      the backend decrypts with the new one -> DECRYPT_FAILED, and the server
//      log line carries diagnose()'s finding (when the package has diagnose).
//
// Interactive (stdin is a TTY): keeps serving the web page until Ctrl-C.
// Otherwise (CI, pipes): exits 0 once the flow has run, 1 if it went wrong.
import { startStack } from './stack.mjs';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (s) => (color ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s) => (color ? `\x1b[2m${s}\x1b[0m` : s);
const step = (n, text) => console.log(`\n${bold(`${n}. ${text}`)}`);
const say = (text) => console.log(`   ${text}`);

const serverLog = [];
const stack = await startStack({
  backendPort: Number(process.env.PORT ?? 0),
  log: (level, event, fields = {}) => {
    serverLog.push({ level, event, ...fields });
    console.log(dim(`   [backend log] ${level} ${event} ${JSON.stringify(fields)}`));
  },
});
const user = 'demo-user';

async function post(base, path, body) {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, data: await res.json() };
}
const wxLogin = async () => (await post(stack.wechatUrl, '/__client/login', { user })).data.code;
const wxTap = async () => (await post(stack.wechatUrl, '/__client/getPhoneNumber', { user })).data;

let failed = false;
const expect = (cond, what) => { if (!cond) { failed = true; console.error(`   UNEXPECTED: ${what}`); } };

try {
  console.log(bold('wx-open-data demo: the getPhoneNumber flow against a local mock of WeChat'));
  say(`mock WeChat API: ${stack.wechatUrl}    backend: ${stack.backendUrl}`);

  step(1, 'Page load: wx.login, then POST /api/login {code}');
  let login = await post(stack.backendUrl, '/api/login', { code: await wxLogin() });
  say(`-> ${login.status} ${JSON.stringify({ token: `${login.data.token?.slice(0, 8)}…`, expiresIn: login.data.expiresIn })}  (the session_key stays on the server)`);
  expect(login.status === 200, 'login failed');

  step(2, 'Tap <button open-type="getPhoneNumber">: WeChat encrypts with the current session_key; POST /api/phone');
  let tap = await wxTap();
  say(`encryptedData = ${tap.encryptedData.slice(0, 24)}… (${tap.encryptedData.length} chars), iv = ${tap.iv}`);
  let phone = await post(stack.backendUrl, '/api/phone', { token: login.data.token, encryptedData: tap.encryptedData, iv: tap.iv });
  say(`-> ${phone.status} ${JSON.stringify(phone.data)}`);
  expect(phone.status === 200 && phone.data.phoneNumber === '13580006666', 'phone not decrypted');
  if (phone.status === 200) say(bold(`Phone number: ${phone.data.phoneNumber}`));

  step(3, 'The code flow: the same tap also gives a single-use code; POST /api/phone-by-code {code}');
  const byCode = await post(stack.backendUrl, '/api/phone-by-code', { code: tap.code });
  say(`-> ${byCode.status} ${JSON.stringify(byCode.data)}`);
  expect(byCode.status === 200 && byCode.data.phoneNumber === '13580006666', 'code flow failed');
  const again = await post(stack.backendUrl, '/api/phone-by-code', { code: tap.code });
  say(`the same code again -> ${again.status} ${JSON.stringify(again.data)}`);
  expect(again.status === 400 && again.data.error === 'INVALID_CODE', 'a used phone code was accepted');
  const tokens = stack.mock.counters.stable_token;
  say(`access token: ${tokens} stable_token fetch${tokens === 1 ? '' : 'es'} so far (the backend's WeChatClient keeps it)`);
  expect(tokens === 1, 'the access token was fetched more than once');

  step(4, 'The anti-pattern: wx.login INSIDE the getPhoneNumber callback');
  tap = await wxTap();
  say('tap: encrypted with the session_key WeChat holds now (key A)');
  login = await post(stack.backendUrl, '/api/login', { code: await wxLogin() });
  say('callback: wx.login + /api/login -> WeChat rotated the key; the server now holds key B');
  phone = await post(stack.backendUrl, '/api/phone', { token: login.data.token, encryptedData: tap.encryptedData, iv: tap.iv });
  say(`-> ${phone.status} ${JSON.stringify(phone.data)}`);
  expect(phone.status === 422 && phone.data.error === 'DECRYPT_FAILED', 'the stale key did not fail');
  const line = serverLog.find((l) => l.event === 'phone.decrypt_failed');
  if (line?.diagnosis) {
    say(bold(`diagnose(): ${line.diagnosis.cause}`));
    say(line.diagnosis.message);
    expect(line.diagnosis.cause === 'STALE_SESSION_KEY', 'diagnose did not name the stale key');
  } else {
    say(`server log: ${line?.code}: ${line?.message}`);
    say('(this build of wx-open-data has no diagnose(); the log carries the error only)');
  }
  say('Fix: wx.login on page load (before the tap); wx.checkSession in the callback; never wx.login in it.');

  console.log(`\n${bold('The web page')} (the same flow in a browser, both modes): ${stack.backendUrl}/`);
  console.log(`   anti-pattern mode: ${stack.backendUrl}/?mode=antipattern`);
} catch (e) {
  failed = true;
  console.error(e);
}

if (failed || !process.stdin.isTTY) {
  await stack.close();
  process.exit(failed ? 1 : 0);
}
console.log('\nServing until Ctrl-C…');
const stop = async () => {
  console.log('\nShutting down.');
  await stack.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
