// The Node entry's WeChat server client (WeChatClient, the stores, the cloud
// helpers, ridOf), loaded on first use: a decrypt-only process never compiles
// it (tests/js/lazy-load.test.mjs reads require.cache). scripts/assemble-pkg.mjs
// bundles client.mjs and its own modules into node/client.cjs, a function of
// the modules shared with this entry (errors, rules, options, api): one
// WxOpenDataError class and one installed phone rule for both files. Node 10
// has no dynamic import, and `new WeChatClient(...)` must stay synchronous, so
// the chunk comes in by a synchronous require(), which bundlers (esbuild,
// webpack) follow like any other: no file is copied by hand.
import * as errors from './errors.mjs';
import * as rules from './rules.mjs';
import * as options from './options.mjs';
import * as api from './api.mjs';

let chunk;

function client() {
  if (chunk === undefined) {
    chunk = require('./client.cjs')({ errors, rules, options, api });
    // The shells below inherit the real classes' methods and statics, so an
    // instance (made by the real constructor with the shell as new.target)
    // is `instanceof` both, subclasses included (tests/js/lazy-load.test.mjs).
    Object.setPrototypeOf(WeChatClient.prototype, chunk.WeChatClient.prototype);
    Object.setPrototypeOf(WeChatClient, chunk.WeChatClient);
    Object.setPrototypeOf(MemoryStore.prototype, chunk.MemoryStore.prototype);
    Object.setPrototypeOf(MemoryStore, chunk.MemoryStore);
  }
  return chunk;
}

/** The WeChat server client: the implementation loads in the first constructor call, which validates as it always does. */
export class WeChatClient {
  constructor(...args) {
    return Reflect.construct(client().WeChatClient, args, new.target);
  }
}

// The shell's prototype has the real class's methods, forwarding to them, so
// that code which replaces or spies on WeChatClient.prototype.getPhoneNumber
// before the first client exists (jest.spyOn, sinon.stub in a user's tests)
// reaches every instance. The list is the real class's own members:
// tests/js/lazy-load.test.mjs compares the two and stubs one before the chunk loads.
const METHODS = ['ready', 'code2Session', 'getPhoneNumber', 'getAccessToken', 'checkSessionKey', 'resetSessionKey', 'checkEncryptedData', 'getUserEncryptKey'];
for (const name of METHODS) {
  const forward = {
    [name](...args) {
      return client().WeChatClient.prototype[name].apply(this, args);
    },
  }[name];
  Object.defineProperty(WeChatClient.prototype, name, { value: forward, writable: true, configurable: true });
}
Object.defineProperty(WeChatClient.prototype, 'appId', {
  get() {
    return Reflect.get(client().WeChatClient.prototype, 'appId', this);
  },
  configurable: true,
});

export class MemoryStore {
  constructor(...args) {
    return Reflect.construct(client().MemoryStore, args, new.target);
  }
}

export function createRedisStore(...args) {
  return client().createRedisStore(...args);
}

export function fromCloudPhoneNumber(...args) {
  return client().fromCloudPhoneNumber(...args);
}

export function fromCloudOpenData(...args) {
  return client().fromCloudOpenData(...args);
}

export function ridOf(...args) {
  return client().ridOf(...args);
}
