// Cloud Base results -> the same PhoneInfo and errors as the client:
// cloud.openapi.phonenumber.getPhoneNumber (camelCase) and CloudID data
// (event replacement or cloud.getOpenData), driven by the mock's Cloud Base.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './support/src.mjs';
import { APP_ID, setup, rejectsWith, assertNoSecrets } from './support/helpers.mjs';

const { fromCloudPhoneNumber, fromCloudOpenData } = await load('cloud.mjs');

const rejects = (fn, code) => rejectsWith((async () => fn())(), code);

test('fromCloudPhoneNumber: the code route in a cloud function gives the client\'s PhoneInfo', async () => {
  const { mock, client, close } = await setup();
  try {
    mock.client.login('h');
    const viaCloud = fromCloudPhoneNumber(await mock.cloud.openapi.phonenumber.getPhoneNumber({ code: mock.client.getPhoneNumber('h').code }), { appId: APP_ID });
    const viaClient = await client.getPhoneNumber(mock.client.getPhoneNumber('h').code);
    assert.deepEqual({ ...viaCloud, watermark: null }, { ...viaClient, watermark: null });
    assert.deepEqual(Object.keys(viaCloud), ['phoneNumber', 'purePhoneNumber', 'countryCode', 'watermark']);
    assert.equal(typeof viaCloud.countryCode, 'string');
  } finally {
    await close();
  }
});

test('fromCloudPhoneNumber: errCode 40029 -> INVALID_CODE, 45011 -> RATE_LIMITED, -1 -> WECHAT_UNAVAILABLE, thrown errors too', async () => {
  const { mock, close } = await setup();
  try {
    const bad = await mock.cloud.openapi.phonenumber.getPhoneNumber({ code: 'not-a-code' }).catch((err) => err);
    const e = await rejects(() => fromCloudPhoneNumber(bad), 'INVALID_CODE');
    assert.equal(e.errcode, 40029);
    assert.match(e.rid, /^[0-9a-f]{8}-/);
    await rejects(() => fromCloudPhoneNumber({ errCode: 45011, errMsg: 'openapi.phonenumber.getPhoneNumber:fail api minute-quota reach limit rid: 1-2-3' }), 'RATE_LIMITED');
    await rejects(() => fromCloudPhoneNumber({ errCode: -1, errMsg: 'system error' }), 'WECHAT_UNAVAILABLE');
    const thrown = Object.assign(new Error('cloud.callOpenAPI:fail -604101 function has no permission to call this API'), { errCode: -604101, errMsg: 'cloud.callOpenAPI:fail -604101' });
    assert.equal((await rejects(() => fromCloudPhoneNumber(thrown), 'WECHAT_API_ERROR')).errcode, -604101);
    await rejects(() => fromCloudPhoneNumber({ errCode: 0, errMsg: 'ok' }), 'NOT_PHONE_DATA');
    await rejects(() => fromCloudPhoneNumber(null), 'INVALID_ARGUMENT');
    await rejects(() => fromCloudPhoneNumber({ errCode: 0 }, { appid: APP_ID }), 'INVALID_ARGUMENT');
  } finally {
    await close();
  }
});

test('fromCloudPhoneNumber: empty watermark appid is "not stated"; a stated other appid is APPID_MISMATCH; maxAgeSeconds applies', async () => {
  const phoneInfo = (appid, timestamp = 1700000000) => ({ errCode: 0, errMsg: 'ok', phoneInfo: { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: 86, watermark: { timestamp, appid } } });
  assert.equal(fromCloudPhoneNumber(phoneInfo(''), { appId: APP_ID }).countryCode, '86');
  const mismatch = await rejects(() => fromCloudPhoneNumber(phoneInfo('wxffffffffffffffff'), { appId: APP_ID }), 'APPID_MISMATCH');
  // APPID_MISMATCH on the code route: the message names the phone_info's watermark, not encryption.
  assert.match(mismatch.message, /^the phone_info's watermark names another AppID than options\.appId/);
  assert.doesNotMatch(mismatch.message, /encrypted/);
  await rejects(() => fromCloudPhoneNumber(phoneInfo(APP_ID, 1000), { maxAgeSeconds: 300, now: 1700000000 * 1000 }), 'EXPIRED');
});

test('fromCloudOpenData: event.phone ({ cloudID, data }) and cloud.getOpenData({ list }) give the same PhoneInfo', async () => {
  const { mock, close } = await setup();
  try {
    mock.client.login('i');
    const { cloudID } = mock.client.getPhoneNumber('i');
    const res = await mock.cloud.getOpenData({ list: [cloudID] });
    const a = fromCloudOpenData(res, { appId: APP_ID, maxAgeSeconds: 300 });
    const b = fromCloudOpenData(res.list[0], { appId: APP_ID });
    assert.deepEqual(a, b);
    assert.equal(a.phoneNumber, mock.client.phoneOf('i').phoneNumber);
    const mismatch = await rejects(() => fromCloudOpenData(res, { appId: 'wxffffffffffffffff' }), 'APPID_MISMATCH');
    assert.match(mismatch.message, /options\.appId/);
    assert.doesNotMatch(mismatch.message, /encrypted/);
    const missing = await mock.cloud.getOpenData({ list: ['nope'] });
    // -601006: the SDK's "cloudID expired"; the user taps again.
    await rejects(() => fromCloudOpenData(missing), 'INVALID_CODE');
    await rejects(() => fromCloudOpenData({ list: [] }), 'INVALID_ARGUMENT');
    await rejects(() => fromCloudOpenData({ cloudID: 'x', data: { nickName: 'not a phone' } }), 'NOT_PHONE_DATA');
    // The HTTP API's json field is a string.
    assert.equal(fromCloudOpenData({ cloudID: 'x', data: JSON.stringify(res.list[0].data) }).countryCode, '86');
  } finally {
    await close();
  }
});

test('fromCloudPhoneNumber: thrown without errCode (a network error, a TypeError, a timeout) is WECHAT_UNAVAILABLE naming its code or class, never its message', async () => {
  const secret = 'Zq3phoneCodeSecret81x';
  const cases = [
    [new Error(`socket hang up ${secret}`), 'Error'],
    [new TypeError(`fetch failed ${secret}`), 'TypeError'],
    [Object.assign(new Error(`connect ECONNREFUSED 10.0.0.1:443 ${secret}`), { code: 'ECONNREFUSED' }), 'ECONNREFUSED'],
    [Object.assign(new Error(`ESOCKETTIMEDOUT ${secret}`), { code: 'ESOCKETTIMEDOUT' }), 'ESOCKETTIMEDOUT'],
    // Older wx-server-sdk versions: an error without a code gets errCode 'UNKNOWN_ERROR'.
    [Object.assign(new Error(`errCode: UNKNOWN_ERROR | errMsg: ${secret}`), { errCode: 'UNKNOWN_ERROR', errMsg: secret }), 'UNKNOWN_ERROR'],
    // The SDK's unnormalised throw: a plain object whose errMsg says :fail.
    [{ errMsg: `openapi.phonenumber.getPhoneNumber:fail ${secret}` }, 'an error without errCode'],
  ];
  for (const [thrown, name] of cases) {
    const e = await rejects(() => fromCloudPhoneNumber(thrown), 'WECHAT_UNAVAILABLE');
    assert.ok(e.message.includes(`(${name})`), e.message);
    assert.equal(e.errcode, null);
    assertNoSecrets(e, [secret, '10.0.0.1']);
    await rejects(() => fromCloudOpenData(thrown), 'WECHAT_UNAVAILABLE');
  }
  // A result whose properties throw when read is a typed error too.
  const hostile = new Proxy({}, { get() { throw new Error('boom'); } });
  await rejects(() => fromCloudPhoneNumber(hostile), 'INVALID_ARGUMENT');
  await rejects(() => fromCloudOpenData(hostile), 'INVALID_ARGUMENT');
});

test('fromCloudPhoneNumber: numeric-string errCodes map like numbers (errCode and errcode)', async () => {
  assert.equal((await rejects(() => fromCloudPhoneNumber({ errCode: '40029', errMsg: 'invalid code' }), 'INVALID_CODE')).errcode, 40029);
  assert.equal((await rejects(() => fromCloudPhoneNumber({ errcode: ' 45011', errmsg: 'api minute-quota reach limit' }), 'RATE_LIMITED')).errcode, 45011);
  assert.equal((await rejects(() => fromCloudPhoneNumber(Object.assign(new Error('x'), { errCode: '-1' })), 'WECHAT_UNAVAILABLE')).errcode, -1);
  assert.equal((await rejects(() => fromCloudPhoneNumber({ errCode: '-604101' }), 'WECHAT_API_ERROR')).errcode, -604101);
  assert.equal((await rejects(() => fromCloudOpenData({ list: [{ cloudID: 'x', errCode: '-601006', errMsg: 'cloudID expired' }] }), 'INVALID_CODE')).errcode, -601006);
});

test("fromCloudPhoneNumber: wx-server-sdk's own errCodes get their code and a sentence saying what to do", async () => {
  const sdkError = (errCode, errMsg) => Object.assign(new Error(`errCode: ${errCode} | errMsg: ${errMsg}`), { errCode, errMsg });
  const expected = [
    [-604101, 'WECHAT_API_ERROR', /add "phonenumber\.getPhoneNumber" to "permissions": \{ "openapi": \[\.\.\.\] \} in the function's config\.json/],
    [-604100, 'WECHAT_API_ERROR', /update wx-server-sdk/],
    [-604104, 'WECHAT_API_ERROR', /run the deployed function/],
    [-604102, 'WECHAT_UNAVAILABLE', /timed out/],
    [-501001, 'WECHAT_UNAVAILABLE', /failed in transit/],
    [-501002, 'WECHAT_UNAVAILABLE', /did not answer in time/],
    [-501003, 'RATE_LIMITED', /quota/],
    [-501005, 'WECHAT_API_ERROR', /cloud\.DYNAMIC_CURRENT_ENV/],
    [-504002, 'WECHAT_API_ERROR', /function's log/],
    [-601006, 'INVALID_CODE', /tap again/],
  ];
  for (const [errCode, code, sentence] of expected) {
    const e = await rejects(() => fromCloudPhoneNumber(sdkError(errCode, 'openapi.phonenumber.getPhoneNumber:fail system error: error code: ' + errCode)), code);
    assert.equal(e.errcode, errCode);
    assert.match(e.message, sentence);
    assert.ok(e.message.includes(`errCode ${errCode}`), e.message);
  }
  // Every row of the one table: a vocabulary code, and its sentence in the message.
  const { CLOUD_ERRCODES } = await load('wechat-errors.mjs');
  const { ERRORS } = await load('errors.mjs');
  assert.ok(Object.keys(CLOUD_ERRCODES).length >= expected.length);
  for (const [errCode, [code, sentence]] of Object.entries(CLOUD_ERRCODES)) {
    assert.ok(ERRORS[code], code);
    const e = await rejects(() => fromCloudPhoneNumber(sdkError(Number(errCode), 'x:fail')), code);
    assert.ok(e.message.includes(sentence.replace('{api}', 'phonenumber.getPhoneNumber')), e.message);
  }
});

test('mock.cloud: rejects like wx-server-sdk (an Error with errCode and errMsg) and each fault reaches fromCloudPhoneNumber as the right code', async () => {
  const { mock, close } = await setup();
  try {
    const call = () => {
      mock.client.login('f');
      return mock.cloud.openapi.phonenumber.getPhoneNumber({ code: mock.client.getPhoneNumber('f').code }).catch((e) => e);
    };
    const used = await mock.cloud.openapi.phonenumber.getPhoneNumber({ code: 'not-a-code' }).then(() => null, (e) => e);
    assert.ok(used instanceof Error, 'a WeChat errcode rejects');
    assert.equal(used.errCode, 40029);
    assert.match(used.errMsg, /^openapi\.phonenumber\.getPhoneNumber:fail invalid code/);
    assert.match(used.message, /^errCode: 40029 \| errMsg: /);
    const expected = {
      busy: ['WECHAT_UNAVAILABLE', -1],
      rateLimit: ['RATE_LIMITED', 45011],
      hang: ['WECHAT_UNAVAILABLE', -501001],
      reset: ['WECHAT_UNAVAILABLE', -501001],
      http5xx: ['WECHAT_UNAVAILABLE', -501001],
      nonJson: ['WECHAT_UNAVAILABLE', -501001],
    };
    for (const [kind, [code, errcode]] of Object.entries(expected)) {
      mock.fault(kind, { times: 1, ms: 5 });
      const thrown = await call();
      assert.ok(thrown instanceof Error && typeof thrown.errCode === 'number' && typeof thrown.errMsg === 'string', kind);
      const e = await rejects(() => fromCloudPhoneNumber(thrown), code);
      assert.equal(e.errcode, errcode, kind);
      // Spent: the next call is not faulted.
      assert.equal(fromCloudPhoneNumber(await call(), { appId: APP_ID }).phoneNumber, mock.client.phoneOf('f').phoneNumber, kind);
    }
    // latency delays the answer; a fault for getuserphonenumber's path covers the cloud call, one for another path does not.
    mock.fault('latency', { times: 1, ms: 60 });
    const t0 = Date.now();
    assert.equal(fromCloudPhoneNumber(await call()).phoneNumber, mock.client.phoneOf('f').phoneNumber);
    assert.ok(Date.now() - t0 >= 50);
    mock.fault('busy', { path: '/sns/jscode2session', times: 1 });
    assert.equal(fromCloudPhoneNumber(await call()).phoneNumber, mock.client.phoneOf('f').phoneNumber);
    mock.clearFaults();
    mock.fault('busy', { path: '/wxa/business/getuserphonenumber', times: 1 });
    await rejects(async () => fromCloudPhoneNumber(await call()), 'WECHAT_UNAVAILABLE');
    // The promise itself, not awaited: a bug in the calling code, said so.
    assert.match((await rejects(() => fromCloudPhoneNumber(call()), 'INVALID_ARGUMENT')).message, /await/);
    mock.clearFaults();
    // getOpenData: the same faults.
    const { cloudID } = mock.client.getPhoneNumber('f');
    mock.fault('rateLimit', { times: 1 });
    await rejects(async () => fromCloudOpenData(await mock.cloud.getOpenData({ list: [cloudID] }).catch((e) => e)), 'RATE_LIMITED');
    mock.fault('reset', { path: 'cloud.getOpenData', times: 1 });
    await rejects(async () => fromCloudOpenData(await mock.cloud.getOpenData({ list: [cloudID] }).catch((e) => e)), 'WECHAT_UNAVAILABLE');
    assert.equal(fromCloudOpenData(await mock.cloud.getOpenData({ list: [cloudID] })).phoneNumber, mock.client.phoneOf('f').phoneNumber);
  } finally {
    await close();
  }
});

test('mock.cloud.getWXContext: the APPID, and the OPENID and UNIONID of the user the client last acted for', async () => {
  const { mock, close } = await setup();
  try {
    assert.deepEqual(mock.cloud.getWXContext(), { APPID: APP_ID, ENV: 'mock-env', SOURCE: 'wx_client' });
    mock.client.login('g');
    assert.equal(mock.cloud.getWXContext().OPENID, mock.client.openidOf('g'));
    mock.client.login('k');
    mock.client.getPhoneNumber('g');
    const ctx = mock.cloud.getWXContext();
    assert.equal(ctx.OPENID, mock.client.openidOf('g'));
    assert.equal(ctx.APPID, APP_ID);
    assert.match(ctx.UNIONID, /^u/);
  } finally {
    await close();
  }
});
