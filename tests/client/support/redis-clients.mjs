// The four Redis clients the store is tested with (tests/client/package.json):
// node-redis 6 and 4 (createClient), ioredis 6 and 5.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const LIBRARIES = ['redis', 'redis4', 'ioredis', 'ioredis5'];

/** A connected client of `library` and a close() for it. */
export async function connectRedis(library, url) {
  if (library.startsWith('ioredis')) {
    const Redis = require(library);
    const Ctor = Redis.default || Redis.Redis || Redis;
    const client = new Ctor(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    return { client, close: () => client.quit() };
  }
  const { createClient } = require(library);
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  return { client, close: () => (typeof client.close === 'function' ? client.close() : client.quit()) };
}
