// The backend on its own: `node server/main.mjs` (or `npm start`).
//   WX_APPID, WX_SECRET   your Mini Program's AppID and AppSecret (required)
//   WX_API_BASE           default https://api.weixin.qq.com; point it at the mock to run offline
//   PORT, HOST            default 3000, 127.0.0.1
import { createApp } from './app.mjs';

const { WX_APPID, WX_SECRET, WX_API_BASE, PORT = '3000', HOST = '127.0.0.1' } = process.env;
if (!WX_APPID || !WX_SECRET) {
  console.error('Set WX_APPID and WX_SECRET (and WX_API_BASE to use the local mock).');
  process.exit(2);
}
const app = createApp({ appId: WX_APPID, appSecret: WX_SECRET, wxApiBase: WX_API_BASE });
const server = app.listen(Number(PORT), HOST, () => console.log(`backend on http://${HOST}:${server.address().port}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
