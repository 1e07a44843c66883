// One request per single-use code: concurrent calls with the same login code
// (code2Session) or phone code (getPhoneNumber, same openid option) share one
// request and its result or error; nothing is kept after it settles. Real
// client, real mock on 127.0.0.1, requests counted by the mock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, rejectsWith } from './support/helpers.mjs';

test('10 concurrent getPhoneNumber(code): 1 request, 10 identical results, each its own object; the same code later is a new request (INVALID_CODE)', async () => {
  const { mock, client, close } = await setup();
  try {
    mock.client.login('alice');
    const { code } = mock.client.getPhoneNumber('alice');
    mock.fault('latency', { path: '/wxa/business/getuserphonenumber', ms: 50, times: 1 });
    const results = await Promise.all(Array.from({ length: 10 }, () => client.getPhoneNumber(code)));
    assert.equal(mock.counters.getuserphonenumber, 1);
    for (const r of results) assert.deepEqual(r, results[0]);
    assert.equal(results[0].phoneNumber, mock.client.phoneOf('alice').phoneNumber);
    results[1].phoneNumber = 'changed';
    assert.notEqual(results[2].phoneNumber, 'changed', "one caller's result is not another's");

    const again = await rejectsWith(client.getPhoneNumber(code), 'INVALID_CODE', mock.issuedSecrets());
    assert.equal(again.errcode, 40029);
    assert.equal(mock.counters.getuserphonenumber, 2, 'a settled call is not cached');
  } finally {
    await close();
  }
});

test('getPhoneNumber: a different openid option is a different request; the same one is shared', async () => {
  const { mock, client, close } = await setup();
  try {
    mock.client.login('alice');
    const openid = mock.client.openidOf('alice');
    const { code } = mock.client.getPhoneNumber('alice');
    mock.fault('latency', { path: '/wxa/business/getuserphonenumber', ms: 50, times: 2 });
    const calls = [client.getPhoneNumber(code, { openid }), client.getPhoneNumber(code, { openid }), client.getPhoneNumber(code)];
    const settled = await Promise.allSettled(calls);
    assert.equal(mock.counters.getuserphonenumber, 2);
    assert.equal(settled[0].status, settled[1].status);
    assert.notEqual(settled[0].status, settled[2].status, 'one of the two requests spent the code');
  } finally {
    await close();
  }
});

test('10 concurrent code2Session(code): 1 request, 10 identical sessions; later the same code is a new request (INVALID_CODE 40163)', async () => {
  const { mock, client, close } = await setup();
  try {
    const { code } = mock.client.login('bob');
    mock.fault('latency', { path: '/sns/jscode2session', ms: 50, times: 1 });
    const sessions = await Promise.all(Array.from({ length: 10 }, () => client.code2Session(code)));
    assert.equal(mock.counters.jscode2session, 1);
    for (const s of sessions) assert.deepEqual(s, sessions[0]);
    assert.equal(sessions[0].sessionKey, mock.client.sessionKeyOf('bob'));

    const again = await rejectsWith(client.code2Session(code), 'INVALID_CODE', mock.issuedSecrets());
    assert.equal(again.errcode, 40163);
    assert.equal(mock.counters.jscode2session, 2);
  } finally {
    await close();
  }
});

test('concurrent calls share the error too: one request, every caller gets the same WxOpenDataError', async () => {
  const { mock, client, close } = await setup();
  try {
    const { code } = mock.client.login('carol');
    mock.fault('rateLimit', { path: '/sns/jscode2session', times: 1 });
    const settled = await Promise.allSettled(Array.from({ length: 5 }, () => client.code2Session(code)));
    assert.equal(mock.counters.jscode2session, 1);
    for (const r of settled) {
      assert.equal(r.status, 'rejected');
      assert.equal(r.reason, settled[0].reason);
    }
    await rejectsWith(Promise.reject(settled[0].reason), 'RATE_LIMITED', mock.issuedSecrets());
    // Settled: the code (not spent by the rate-limited request) works now.
    assert.equal((await client.code2Session(code)).openid, mock.client.openidOf('carol'));
    assert.equal(mock.counters.jscode2session, 2);
  } finally {
    await close();
  }
});
