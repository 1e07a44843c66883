// Run the package's mock of WeChat alone (wx-open-data/mock):
// WX_APPID, WX_SECRET, PORT (default: a free port). Point a backend at it
// with WX_API_BASE=<the URL it prints>.
import { startMockWeChat } from 'wx-open-data/mock';

const mock = await startMockWeChat({
  appId: process.env.WX_APPID ?? 'wx4f4bc4dec97d474b',
  appSecret: process.env.WX_SECRET ?? 'mock-app-secret',
  port: Number(process.env.PORT ?? 0),
});
console.log(`mock WeChat API listening on ${mock.baseUrl}`);
const stop = () => mock.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
