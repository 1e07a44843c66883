// Cloud Base results -> the same PhoneInfo and errors as the client:
// cloud.openapi.phonenumber.getPhoneNumber (camelCase) and CloudID data
// (event replacement or cloud.getOpenData), driven by the mock's Cloud Base.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './support/src.mjs';
import { APP_ID, setup, rejectsWith } from './support/helpers.mjs';

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
    const bad = await mock.cloud.openapi.phonenumber.getPhoneNumber({ code: 'not-a-code' });
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
    await rejects(() => fromCloudOpenData(missing), 'WECHAT_API_ERROR');
    await rejects(() => fromCloudOpenData({ list: [] }), 'INVALID_ARGUMENT');
    await rejects(() => fromCloudOpenData({ cloudID: 'x', data: { nickName: 'not a phone' } }), 'NOT_PHONE_DATA');
    // The HTTP API's json field is a string.
    assert.equal(fromCloudOpenData({ cloudID: 'x', data: JSON.stringify(res.list[0].data) }).countryCode, '86');
  } finally {
    await close();
  }
});
