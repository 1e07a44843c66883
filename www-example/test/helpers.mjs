// Shared by the tests: real servers on 127.0.0.1, a log sink, JSON helpers.
import { startStack, APP_ID, APP_SECRET } from '../stack.mjs';

export { APP_ID, APP_SECRET };

export async function post(base, path, body, { raw = false, headers = {} } = {}) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: raw ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let data;
  try { data = JSON.parse(text); } catch { data = text; }
  return { status: res.status, headers: res.headers, data, text };
}

/**
 * A stack whose backend logs land in `logs` (as the JSON lines they would be)
 * and whose mock clock we drive: `clock.offset` seconds ahead of (or behind)
 * the real one, so a test can set it back to 0 (the mock's advanceTime only
 * adds).
 */
export async function testStack() {
  const logs = [];
  const clock = { offset: 0 };
  const stack = await startStack({
    log: (level, event, fields = {}) => logs.push(JSON.stringify({ level, event, ...fields })),
    now: () => Date.now() + clock.offset * 1000,
  });
  const client = (user) => ({
    login: async () => (await post(stack.wechatUrl, '/__client/login', { user })).data.code,
    tap: async () => (await post(stack.wechatUrl, '/__client/getPhoneNumber', { user })).data,
  });
  /** wx.login + POST /api/login -> token */
  const loginAs = async (user) => {
    const r = await post(stack.backendUrl, '/api/login', { code: await client(user).login() });
    if (r.status !== 200) throw new Error(`login failed: ${r.text}`);
    return r.data.token;
  };
  return { ...stack, logs, clock, client, loginAs, parsedLogs: () => logs.map((l) => JSON.parse(l)) };
}
