// One instance of a fleet, as its own Node process: a WeChatClient whose token
// store is Redis (through the library named in argv). Prints "ready", waits
// for "go" on stdin, gets an access token, prints {"token": ...}, exits.
import { createInterface } from 'node:readline';
import { load } from './src.mjs';
import { APP_ID, APP_SECRET } from './helpers.mjs';
import { connectRedis } from './redis-clients.mjs';

const [baseUrl, redisUrl, library] = process.argv.slice(2);
const { WeChatClient } = await load('client.mjs');
const { createRedisStore } = await load('redis-store.mjs');
const redis = await connectRedis(library, redisUrl);
const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl, store: createRedisStore(redis.client) });
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() !== 'go') continue;
  try {
    const token = await client.getAccessToken();
    process.stdout.write(`${JSON.stringify({ token })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ error: e.code || e.name })}\n`);
  }
  break;
}
lines.close();
await redis.close();
