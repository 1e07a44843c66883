// A WeChatClient token store on Redis, the store a fleet usually has beside
// it: every instance reads the one token, and the fleet-wide fetch lock
// (SET NX) lets one instance fetch while the others wait for its token.
// deleteIf (compare-and-delete, a Lua script run atomically by Redis)
// releases the lock only while it still holds this holder's value.
// It takes the application's own connected client, so the package depends on
// no Redis library: node-redis v4 or later (createClient) or ioredis v5 or
// later, told apart by their API shape. Raw commands (SET key value EX n NX)
// keep it independent of each library's option objects, which changed
// between majors. tests/client/redis-store.test.mjs runs both libraries, the
// current and the previous major of each, against a real redis-server.
import { invalidArgument } from './errors.mjs';
import { strictOptions } from './options.mjs';

/** Deletes KEYS[1] only if it holds ARGV[1], atomically (GET then DEL could delete a lock taken in between). */
const DELETE_IF = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * @param {object} client a connected node-redis (v4+) or ioredis (v5+) client
 * @param {{ prefix?: string }} [options] prefix of every key, default 'wx-open-data:'
 * @returns {{ get(key: string): Promise<string | null>, set(key: string, value: string, ttlSeconds: number): Promise<void>, delete(key: string): Promise<void>, add(key: string, value: string, ttlSeconds: number): Promise<boolean>, deleteIf(key: string, value: string): Promise<boolean> }}
 */
export function createRedisStore(client, options) {
  if (client === null || typeof client !== 'object') throw invalidArgument('client must be a connected node-redis or ioredis client');
  const opts = strictOptions(options, ['prefix'], '{ prefix }');
  const prefix = opts.prefix === undefined ? 'wx-open-data:' : opts.prefix;
  if (typeof prefix !== 'string') throw invalidArgument('options.prefix must be a string');

  let command;
  if (typeof client.call === 'function') {
    // ioredis: call(name, ...args)
    command = (args) => client.call(...args);
  } else if (typeof client.sendCommand === 'function') {
    // node-redis v4+: sendCommand([name, ...args]), string arguments only
    command = (args) => client.sendCommand(args.map(String));
  } else {
    throw invalidArgument('client must be a node-redis (v4 or later) or ioredis (v5 or later) client');
  }
  const text = (v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : String(v));
  const seconds = (ttl) => Math.max(1, Math.ceil(ttl));

  return {
    async get(key) {
      return text(await command(['GET', prefix + key]));
    },
    async set(key, value, ttlSeconds) {
      await command(['SET', prefix + key, value, 'EX', seconds(ttlSeconds)]);
    },
    async delete(key) {
      await command(['DEL', prefix + key]);
    },
    async add(key, value, ttlSeconds) {
      return text(await command(['SET', prefix + key, value, 'EX', seconds(ttlSeconds), 'NX'])) === 'OK';
    },
    async deleteIf(key, value) {
      return Number(await command(['EVAL', DELETE_IF, 1, prefix + key, value])) === 1;
    },
  };
}
