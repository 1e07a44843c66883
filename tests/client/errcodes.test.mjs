// WeChat errcodes that call for a specific sentence (what to check), through
// the real client against the mock WeChat on 127.0.0.1, each injected with
// the mock's errcode fault on the path of a real call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, rejectsWith } from './support/helpers.mjs';

const PHONE = '/wxa/business/getuserphonenumber';

/** getPhoneNumber failing with `errcode` (injected once on its path): the WxOpenDataError. */
async function phoneError(errcode, errmsg) {
  const { mock, client, close } = await setup();
  try {
    mock.client.login('alice');
    const tap = mock.client.getPhoneNumber('alice');
    mock.fault('errcode', { path: PHONE, errcode, errmsg, times: 1 });
    const e = await rejectsWith(client.getPhoneNumber(tap.code), 'WECHAT_API_ERROR', mock.issuedSecrets());
    assert.equal(e.errcode, errcode);
    assert.match(e.rid, /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
    assert.equal(mock.counters.getuserphonenumber, 1, 'not retried');
    return e;
  } finally {
    await close();
  }
}

test('48001 (api unauthorized) names the account type, the grant and the privacy settings', async () => {
  const e = await phoneError(48001, 'api unauthorized');
  assert.match(e.message, /account type/);
  assert.match(e.message, /granted/);
  assert.match(e.message, /privacy settings/);
  assert.match(e.message, /errcode 48001 "api unauthorized hint/);
});

test('47001 says WeChat could not read the body as JSON', async () => {
  const e = await phoneError(47001, 'data format error');
  assert.match(e.message, /could not read the request body as JSON/);
});

test('41001 says the request carried no access_token', async () => {
  const e = await phoneError(41001, 'access_token missing');
  assert.match(e.message, /no access_token on the request/);
});

const API_SECURITY = {
  40230: /missing Wechatmp-Serial/,
  40231: /missing Wechatmp-TimeStamp/,
  40232: /missing Wechatmp-Signature/,
  40233: /missing Wechatmp-Appid/,
  40234: /invalid signature/,
  40235: /invalid encryption/,
  40236: /invalid Wechatmp-Appid/,
  40237: /Wechatmp-Appid does not match the access_token/,
  40238: /no symmetric key configured/,
  40239: /no public key configured/,
  40240: /expired Wechatmp-TimeStamp/,
};

test('API security errcodes (40230-40240): API security is on for the API, this client sends plain requests, turn it off in 开发管理 → 开发设置 → API安全', async () => {
  for (const [errcode, reason] of Object.entries(API_SECURITY)) {
    const e = await phoneError(Number(errcode), 'api security error');
    assert.match(e.message, reason, errcode);
    assert.match(e.message, /API security \(服务端 API 签名加密\) is on for it, and this client sends plain requests/, errcode);
    assert.match(e.message, /turn it off for this API in 开发管理 → 开发设置 → API安全/, errcode);
  }
  // Just outside the family: the generic sentence.
  for (const errcode of [40229, 40241]) {
    const e = await phoneError(errcode, 'other');
    assert.doesNotMatch(e.message, /API安全/, String(errcode));
  }
});

test('the errcode sentences hold on every endpoint: code2Session and checkSessionKey too', async () => {
  const { mock, client, close } = await setup();
  try {
    mock.fault('errcode', { path: '/sns/jscode2session', errcode: 40234, errmsg: 'invalid signature', times: 1 });
    const e = await rejectsWith(client.code2Session(mock.client.login('bob').code), 'WECHAT_API_ERROR', mock.issuedSecrets());
    assert.match(e.message, /API安全/);
    const s = await client.code2Session(mock.client.login('bob').code);
    mock.fault('errcode', { path: '/wxa/checksession', errcode: 48001, errmsg: 'api unauthorized', times: 1 });
    const f = await rejectsWith(client.checkSessionKey(s.openid, s.sessionKey), 'WECHAT_API_ERROR', mock.issuedSecrets());
    assert.match(f.message, /privacy settings/);
  } finally {
    await close();
  }
});

test("the mock's errcode fault: WeChat's error reply on its path, wx-server-sdk's error (that errCode) on the cloud call; bad options are a TypeError", async () => {
  const { mock, close } = await setup();
  try {
    mock.client.login('dora');
    mock.fault('errcode', { path: PHONE, errcode: 48001, errmsg: 'api unauthorized', times: 1 });
    let caught;
    try {
      await mock.cloud.openapi.phonenumber.getPhoneNumber({ code: mock.client.getPhoneNumber('dora').code });
    } catch (e) {
      caught = e;
    }
    assert.equal(caught.errCode, 48001);
    assert.match(caught.errMsg, /^openapi\.phonenumber\.getPhoneNumber:fail api unauthorized hint: \[[\w-]+\] rid: /);
    assert.throws(() => mock.fault('errcode', { errcode: '48001' }), TypeError);
  } finally {
    await close();
  }
});
