// The README's snippets call WeChat at its real address; in the README's
// workerd row that is the mock WeChat wechat.json names (as
// tests/js/readme.test.mjs does in Node). Imported before the snippets, so
// the WeChatClient they construct takes this fetch.
import wechat from './wechat.json';

const realFetch = globalThis.fetch;
globalThis.fetch = (url, init) => realFetch(String(url).replace('https://api.weixin.qq.com', wechat.baseUrl), init);
