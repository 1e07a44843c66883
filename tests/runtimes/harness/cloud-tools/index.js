// A cloud function's own tests, run on the function's runtime: the package
// installed from its npm tarball in the function's node_modules, and every
// entry a user of that runtime loads: `require('wx-open-data')`,
// `require('wx-open-data/mock')` (Node 10.15 and 12.16 ignore the exports map
// and find mock/package.json's main), and the CLI `npx wx-open-data` runs
// (node_modules/.bin/wx-open-data, run here with this runtime's node). It
// starts the mock, runs the code route through it with the package's
// WeChatClient (with the smallest injected fetch where there is no global
// fetch, as a user there would), the Cloud Base route through mock.cloud
// with a fault, and the CLI's diagnose. Returns the matrix's summary
// ({ passed, failed, details, skipped, build, artifacts }). ES2018,
// CommonJS: Node 10.15 runs it.
'use strict';
const path = require('path');
const http = require('http');
const childProcess = require('child_process');
const wx = require('wx-open-data');
const { startMockWeChat } = require('wx-open-data/mock');

const APP_ID = 'wx0123456789abcdef';
const APP_SECRET = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';

/** fetch for runtimes without one: http.request, the response's status, headers (an object, as http gives them) and text. */
function httpFetch(url, init) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method, headers: init.headers || {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, headers: res.headers, text: () => Promise.resolve(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

function expect(ok, message) {
  if (!ok) throw new Error(message);
}

async function codeOf(promiseOrFn) {
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    return e && e.code;
  }
  return 'no error';
}

exports.main = async (event, context) => {
  if (typeof context !== 'object' || context === null) throw new Error('no context');
  const details = [];
  let passed = 0;
  const artifacts = { encrypted: [] };
  const check = async (name, fn) => {
    try {
      await fn();
      passed += 1;
    } catch (e) {
      details.push({ check: name, error: String((e && e.stack) || e) });
    }
  };
  const mock = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET });
  try {
    await check('the code route through the mock with WeChatClient', async () => {
      const options = { appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl };
      if (typeof fetch !== 'function') options.fetch = httpFetch; // eslint-disable-line no-undef
      const client = new wx.WeChatClient(options);
      const session = await client.code2Session(mock.client.login('u').code);
      expect(session.openid === mock.client.openidOf('u'), 'code2Session: openid');
      const tap = mock.client.getPhoneNumber('u');
      const phone = await client.getPhoneNumber(tap.code);
      expect(phone.phoneNumber === mock.client.phoneOf('u').phoneNumber && phone.countryCode === '86', `getPhoneNumber: ${JSON.stringify(phone)}`);
      const again = await codeOf(client.getPhoneNumber(tap.code));
      expect(again === 'INVALID_CODE', `a used code: ${again}`);
      const mine = wx.decryptPhone(mock.client.sessionKeyOf('u'), tap.encryptedData, tap.iv, { appId: APP_ID, maxAgeSeconds: 300 });
      expect(mine.phoneNumber === phone.phoneNumber, 'decryptPhone of the same tap');
    });
    await check('checkEncryptedData (SHA-256 from node:crypto) and getUserEncryptKey (HMAC-signed) through the mock', async () => {
      const options = { appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl };
      if (typeof fetch !== 'function') options.fetch = httpFetch; // eslint-disable-line no-undef
      const client = new wx.WeChatClient(options);
      const session = await client.code2Session(mock.client.login('k').code);
      const tap = mock.client.getPhoneNumber('k');
      const checked = await client.checkEncryptedData(tap.encryptedData);
      expect(checked.valid === true && typeof checked.createTime === 'number', `checkEncryptedData: ${JSON.stringify(checked)}`);
      const other = await client.checkEncryptedData((tap.encryptedData[0] === 'A' ? 'B' : 'A') + tap.encryptedData.slice(1));
      expect(other.valid === false, `checkEncryptedData of other data: ${JSON.stringify(other)}`);
      const keys = await client.getUserEncryptKey(session.openid, session.sessionKey);
      expect(keys.length === 1 && keys[0].version === 1 && keys[0].expireIn === 3600 && typeof keys[0].encryptKey === 'string', 'getUserEncryptKey');
    });
    await check('API security (RSA: AES-256-GCM, RSA-PSS from node:crypto): getPhoneNumber, checkEncryptedData, getUserEncryptKey through a mock speaking the mode; a tampered reply refused', async () => {
      const secure = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET, apiSecurity: true });
      try {
        const options = { appId: APP_ID, appSecret: APP_SECRET, baseUrl: secure.baseUrl, apiSecurity: secure.apiSecurity };
        if (typeof fetch !== 'function') options.fetch = httpFetch; // eslint-disable-line no-undef
        const client = new wx.WeChatClient(options);
        await client.ready();
        const session = await client.code2Session(secure.client.login('s').code);
        const tap = secure.client.getPhoneNumber('s');
        const phone = await client.getPhoneNumber(tap.code);
        expect(phone.phoneNumber === secure.client.phoneOf('s').phoneNumber, `getPhoneNumber in the mode: ${JSON.stringify(phone)}`);
        const checked = await client.checkEncryptedData(tap.encryptedData);
        expect(checked.valid === true, `checkEncryptedData in the mode: ${JSON.stringify(checked)}`);
        const keys = await client.getUserEncryptKey(session.openid, session.sessionKey);
        expect(keys.length === 1 && keys[0].version === 1, 'getUserEncryptKey in the mode');
        secure.fault('tamperReply', { times: 1 });
        const refused = await codeOf(client.checkEncryptedData(tap.encryptedData));
        expect(refused === 'UNVERIFIED_REPLY', `a tampered reply: ${refused}`);
        expect(secure.counters.getuserphonenumber === 1 && secure.counters.checkencryptedmsg === 2 && secure.counters.getuserencryptkey === 1, 'the mode reached the mock');
      } finally {
        await secure.close();
      }
    });
    await check('the Cloud Base route through mock.cloud, and a fault on it', async () => {
      mock.client.login('c');
      const ok = await mock.cloud.openapi.phonenumber.getPhoneNumber({ code: mock.client.getPhoneNumber('c').code });
      expect(wx.fromCloudPhoneNumber(ok, { appId: mock.cloud.getWXContext().APPID }).phoneNumber === mock.client.phoneOf('c').phoneNumber, 'fromCloudPhoneNumber');
      mock.fault('busy', { times: 1 });
      const thrown = await mock.cloud.openapi.phonenumber.getPhoneNumber({ code: mock.client.getPhoneNumber('c').code }).catch((e) => e);
      const code = await codeOf(() => wx.fromCloudPhoneNumber(thrown));
      expect(code === 'WECHAT_UNAVAILABLE', `a busy fault: ${code}`);
    });
    await check('npx wx-open-data diagnose (node_modules/.bin/wx-open-data)', async () => {
      mock.client.login('d');
      const key = mock.client.sessionKeyOf('d');
      const tap = mock.client.getPhoneNumber('d');
      const bin = path.join(__dirname, 'node_modules', '.bin', 'wx-open-data');
      const run = (args) => new Promise((resolve) => {
        childProcess.execFile(process.execPath, [bin].concat(args), { encoding: 'utf8', timeout: 60000 }, (err, stdout, stderr) => {
          resolve({ status: err ? err.code : 0, stdout, stderr });
        });
      });
      const good = await run(['diagnose', '--json', '--session-key', key, '--iv', tap.iv, '--data', tap.encryptedData, '--app-id', APP_ID]);
      expect(good.status === 0 && JSON.parse(good.stdout).cause === 'OK', `diagnose of a good tap: exit ${good.status} ${good.stdout} ${good.stderr}`);
      mock.client.login('d'); // a new session_key: the tap's data no longer opens with it
      const stale = await run(['diagnose', '--json', '--session-key', mock.client.sessionKeyOf('d'), '--iv', tap.iv, '--data', tap.encryptedData]);
      expect(stale.status === 1 && JSON.parse(stale.stdout).cause !== 'OK', `diagnose with another key: exit ${stale.status} ${stale.stdout}`);
    });
    await check('encryptData with the mock user\'s session_key', async () => {
      const key = mock.client.sessionKeyOf('u');
      const plaintext = JSON.stringify({ purePhoneNumber: '13580006666' });
      const sealed = wx.encryptData(key, plaintext);
      artifacts.encrypted.push({ sessionKey: key, plaintext, encryptedData: sealed.encryptedData, iv: sealed.iv });
    });
  } finally {
    await mock.close();
  }
  return { passed, failed: details.length, details, skipped: [], build: wx.engineBuild(), artifacts };
};
