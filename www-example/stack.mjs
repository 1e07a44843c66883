// Starts the package's mock of WeChat (wx-open-data/mock) and the backend on
// free ports of 127.0.0.1, wired together. Used by demo.mjs and the tests.
import { startMockWeChat } from 'wx-open-data/mock';
import { createApp } from './server/app.mjs';

export const APP_ID = 'wx4f4bc4dec97d474b';
export const APP_SECRET = 'mock-app-secret-not-a-real-one';

/**
 * @param {object} [opts]
 * @param {(level: string, event: string, fields?: object) => void} [opts.log] backend log sink
 * @param {() => number} [opts.now] the mock's clock, in milliseconds
 * @param {number} [opts.backendPort] 0 = any free port
 */
export async function startStack({ log, now, backendPort = 0 } = {}) {
  const mock = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET, ...(now ? { now } : {}) });
  const wechatUrl = mock.baseUrl;
  const app = createApp({
    appId: APP_ID,
    appSecret: APP_SECRET,
    wxApiBase: wechatUrl,
    clientStandInUrl: wechatUrl,
    ...(log ? { log } : {}),
  });
  const server = await new Promise((ok, fail) => {
    const s = app.listen(backendPort, '127.0.0.1', () => ok(s)).once('error', fail);
  });
  const backendUrl = `http://127.0.0.1:${server.address().port}`;
  return {
    mock,
    wechatUrl,
    backendUrl,
    async close() {
      server.closeAllConnections();
      await new Promise((ok) => server.close(() => ok()));
      await mock.close();
    },
  };
}
