// What every entry exports that needs no engine instance of its own: the
// error class, the WeChat server client, its stores and the cloud helpers.
// (They reach the engine's PhoneInfo rule through rules.mjs, which the
// entry's createApi installs.) tests/types/exports-match.mjs checks each
// entry's export list against its typings. The web entry imports them
// statically: an ES module loads another synchronously only by a static
// import, which browsers, bundlers and workerd resolve before any code runs,
// and `new WeChatClient()` is synchronous; a second file would add a module
// that workerd configurations must list, for no laziness. The Node entry
// loads them on first use instead (node-client.mjs).
export { WxOpenDataError, isWxOpenDataError } from './errors.mjs';
export { WeChatClient, MemoryStore } from './client.mjs';
export { createRedisStore } from './redis-store.mjs';
export { fromCloudPhoneNumber, fromCloudOpenData } from './cloud.mjs';
export { ridOf } from './wechat-errors.mjs';
