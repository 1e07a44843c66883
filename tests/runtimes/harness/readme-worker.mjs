// Harness of the README's workerd row: the README's Cloudflare workerd line
// (readme-init.mjs: the Runtimes table's `initSync` cell) and its code-route
// example (readme-code-route.mjs), both as printed, extracted by run.mjs from
// the installed package's README, with `process.env` from the config's
// bindings (nodejs_compat). One request exchanges a fresh phone code and then
// the same code again, which the example must answer with TAP_AGAIN.
import './readme-fetch.mjs';
import './readme-init.mjs';
import { phoneByCode } from './readme-code-route.mjs';
import { engineBuild } from 'wx-open-data';
import wechat from './wechat.json';

export default {
  async fetch() {
    let passed = 0;
    const details = [];
    const check = async (name, body) => {
      try {
        await body();
        passed++;
      } catch (e) {
        details.push({ check: name, error: String(e && e.stack ? e.stack : e) });
      }
    };
    await check('phoneByCode(code) gives the phone number', async () => {
      const got = await phoneByCode(wechat.code);
      if (JSON.stringify(got) !== JSON.stringify({ phoneNumber: wechat.phoneNumber })) throw new Error(`got ${JSON.stringify(got)}`);
    });
    await check('phoneByCode(the used code) gives TAP_AGAIN', async () => {
      const got = await phoneByCode(wechat.code);
      if (JSON.stringify(got) !== JSON.stringify({ error: 'TAP_AGAIN' })) throw new Error(`got ${JSON.stringify(got)}`);
    });
    let build = null;
    try { build = engineBuild(); } catch (e) { details.push({ check: 'engineBuild()', error: String(e) }); }
    return Response.json({ passed, failed: details.length, details, skipped: [], build });
  },
};
