// Runs in Node 10.15 (no global fetch, AbortController, crypto, TextEncoder
// or globalThis): the package's Node entry, with the smallest fetch a user
// there would write (mode "http") or the one docs/client.md tells them to
// inject, node-fetch v2 (mode "node-fetch"). Prints one JSON line of results.
'use strict';
const http = require('http');
const nodeCrypto = require('crypto');
const [bundle, baseUrl, user, appId, appSecret, mode] = process.argv.slice(2);

// Counts the package's node:crypto HMACs and hashes (the same module object
// its CommonJS chunk requires): Node 10 has no WebCrypto, so they are how the
// client signs and hashes here.
const used = { createHmac: 0, createHash: 0 };
for (const name of Object.keys(used)) {
  const original = nodeCrypto[name];
  nodeCrypto[name] = function counted() {
    used[name] += 1;
    return original.apply(this, arguments);
  };
}
const { WeChatClient } = require(bundle);

function httpFetch(url, init) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method, headers: init.headers || {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, text: () => Promise.resolve(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

async function main() {
  const out = { node: process.version, hasAbortController: typeof AbortController !== 'undefined', hasCrypto: typeof crypto !== 'undefined' };
  const fetch = mode === 'node-fetch' ? require('node-fetch') : httpFetch;
  out.fetch = mode;
  const client = new WeChatClient({ appId, appSecret, baseUrl, fetch, timeoutMs: 500 });
  const codes = JSON.parse(user);
  const session = await client.code2Session(codes.login);
  out.openid = session.openid;
  out.phone = await client.getPhoneNumber(codes.phone, { openid: session.openid });
  out.checked = await client.checkSessionKey(session.openid, session.sessionKey);
  out.encrypted = await client.checkEncryptedData(codes.encryptedData);
  out.keys = (await client.getUserEncryptKey(session.openid, session.sessionKey)).length;
  try {
    await client.getPhoneNumber(codes.phone);
  } catch (e) {
    out.reuse = e.code;
  }
  // resetusersessionkey hangs (the parent set that fault): the timer must end it.
  const started = Date.now();
  try {
    await client.resetSessionKey(session.openid, session.sessionKey);
  } catch (e) {
    out.hang = e.code;
    out.hangMs = Date.now() - started;
  }
  out.used = used;
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0); // the hung socket would keep the process alive
}
main().catch((e) => {
  process.stdout.write(JSON.stringify({ error: String(e && e.stack) }) + '\n');
  process.exit(1);
});
