// Run the mock alone: WX_APPID, WX_SECRET, PORT (default: a free port).
import { createMockWeChat } from './server.mjs';

const mock = createMockWeChat({
  appId: process.env.WX_APPID ?? 'wx4f4bc4dec97d474b',
  appSecret: process.env.WX_SECRET ?? 'mock-app-secret',
});
const url = await mock.listen(Number(process.env.PORT ?? 0));
console.log(`mock WeChat API listening on ${url}`);
const stop = () => mock.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
