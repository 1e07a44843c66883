// The token store WeChatClient keeps access tokens (and its count of forced
// refreshes) in. Any object with these async methods works:
//   get(key)                   -> the string stored, or null/undefined
//   set(key, value, ttlSeconds)   value is a string; gone after ttlSeconds
//   delete(key)
//   add(key, value, ttlSeconds) -> true if it stored (key was absent), else false
//                                  (optional: a fleet-wide lock so that one
//                                  instance fetches a token while the others
//                                  wait for it; createRedisStore has it)
//   deleteIf(key, value)       -> deletes key only if it holds value (optional:
//                                  releases the fetch lock only while we hold
//                                  it; without it the lock lapses by its TTL)
// The client bounds every call by its deadline and turns a failure into
// STORE_UNAVAILABLE (never chaining the store's error, which may hold the
// token); see docs/client.md "When the store fails".
// MemoryStore is the default: one process, nothing shared.
import { invalidArgument } from './errors.mjs';
import { clock as checkClock } from './options.mjs';

export class MemoryStore {
  /** @param {{ now?: () => number }} [options] now: clock, milliseconds since the epoch like Date.now (tests) */
  constructor(options) {
    const now = options && options.now;
    if (now !== undefined) checkClock(now, 'MemoryStore options.now');
    const entries = new Map();
    const clock = now || Date.now;
    const live = (key) => {
      const e = entries.get(key);
      if (e === undefined) return undefined;
      if (e.expiresAt <= clock()) {
        entries.delete(key);
        return undefined;
      }
      return e;
    };
    // Methods as own closures over a private Map: util.inspect of the store
    // (or of a client holding it) shows no token.
    Object.defineProperties(this, {
      get: {
        value: async (key) => {
          const e = live(key);
          return e === undefined ? null : e.value;
        },
      },
      set: {
        value: async (key, value, ttlSeconds) => {
          entries.set(key, { value, expiresAt: clock() + ttlSeconds * 1000 });
        },
      },
      delete: {
        value: async (key) => {
          entries.delete(key);
        },
      },
      add: {
        value: async (key, value, ttlSeconds) => {
          if (live(key) !== undefined) return false;
          entries.set(key, { value, expiresAt: clock() + ttlSeconds * 1000 });
          return true;
        },
      },
      deleteIf: {
        value: async (key, value) => {
          const e = live(key);
          if (e === undefined || e.value !== value) return false;
          entries.delete(key);
          return true;
        },
      },
    });
  }
}

/** Throws INVALID_ARGUMENT unless `store` has the three required methods (and `add` and `deleteIf`, if present, are functions). */
export function checkStore(store, what) {
  if (store === null || typeof store !== 'object') throw invalidArgument(`${what} must be an object with async get, set and delete`);
  for (const m of ['get', 'set', 'delete']) {
    if (typeof store[m] !== 'function') throw invalidArgument(`${what}.${m} must be a function (get(key), set(key, value, ttlSeconds), delete(key))`);
  }
  if (store.add !== undefined && typeof store.add !== 'function') throw invalidArgument(`${what}.add must be a function (add(key, value, ttlSeconds) -> boolean) or absent`);
  if (store.deleteIf !== undefined && typeof store.deleteIf !== 'function') throw invalidArgument(`${what}.deleteIf must be a function (deleteIf(key, value) -> boolean) or absent`);
  return store;
}
