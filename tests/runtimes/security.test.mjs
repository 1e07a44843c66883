// The security engine's web build in the runtimes the package serves
// besides Node: Deno, Bun and headless Chromium (the pinned binaries of
// tests/runtimes, Debian's Chromium through tools' playwright-core). The
// module is bundled the way the web entry bundles it (esbuild, platform
// neutral, web/wasm-security.mjs external and copied beside it), and one
// check script runs in each: the .wasm compiles from the base64 chunk it
// imports, randomness comes from crypto.getRandomValues, the doc's key and
// RFC 8998's vector come out right, SM2 signs and verifies, a refusal is
// INVALID_ARGUMENT, and 300 mutated keys get the same answers as on Node
// and leave the instance working.
// (Node 10 and the Node builds: tests/js/security-engine.test.mjs. Run by
// scripts/test-runtimes.sh, which installs these runtimes.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pkgDir } from '../js/support/entries.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const V = JSON.parse(readFileSync(join(repo, 'tests', 'vectors', 'api-security.json'), 'utf8'));
const runtimes = join(repo, 'tests', 'runtimes', 'node_modules');
let dir;
let reference;

// Runs in every runtime: returns a plain object the test compares.
const CHECK = `
import { loadSecurityEngine } from './engine.mjs';
const V = ${JSON.stringify({ key: V.doc.privateKey, pkcs8: V.doc.pkcs8Der, sm2: V.sm2.pkcs8Der, spki: V.sm2.spkiDer, gcm: V.sm4Gcm[0] })};
const hex = (s) => new Uint8Array(s.match(/../g).map((b) => parseInt(b, 16)));
const toHex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('');
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const toB64 = (u8) => btoa(String.fromCharCode(...u8));
const utf8 = (s) => new TextEncoder().encode(s);
export async function check() {
  const e = await loadSecurityEngine();
  const key = e.parsePrivateKey(V.key, 'apiSecurity.privateKey');
  const sealed = toHex(e.sm4GcmSeal(hex(V.gcm.key), hex(V.gcm.iv), hex(V.gcm.aad), hex(V.gcm.plaintext)));
  const id = utf8('97845f6ed842ea860df6fdf65941ff56');
  const sig = e.sm2Sign(b64(V.sm2), id, utf8('m'));
  let refusal = null;
  try { e.parsePrivateKey(V.key.replace(/RSA PRIVATE KEY/g, 'PUBLIC KEY'), 'apiSecurity.privateKey'); } catch (err) { refusal = [err.name, err.code, err.message]; }
  let x = 7, refused = 0;
  for (let i = 0; i < 300; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const at = 40 + (x % (V.key.length - 80));
    const bad = V.key.slice(0, at) + String.fromCharCode(33 + (x >>> 8) % 90) + V.key.slice(at + 1);
    try { e.parsePrivateKey(bad, 'k'); } catch (err) { if (err.code !== 'INVALID_ARGUMENT') throw err; refused++; }
  }
  return {
    pkcs8: toB64(key.pkcs8) === V.pkcs8 ? 'openssl' : 'differs',
    sealed,
    verified: e.sm2Verify(b64(V.spki), id, utf8('m'), sig),
    der: sig[0] === 0x30,
    refusal,
    refused,
    after: toHex(e.sm3(utf8('abc'))),
  };
}
`;

before(async () => {
  const { build } = createRequire(join(repo, 'tools', 'package.json'))('esbuild');
  dir = mkdtempSync(join(tmpdir(), 'security-runtimes-'));
  await build({
    entryPoints: [join(repo, 'pkg-template', 'src', 'security-engine.mjs')],
    outfile: join(dir, 'engine.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    external: ['./wasm-security.mjs'],
    logLevel: 'error',
  });
  copyFileSync(join(pkgDir, 'web', 'wasm-security.mjs'), join(dir, 'wasm-security.mjs'));
  writeFileSync(join(dir, 'check.mjs'), CHECK);
  writeFileSync(join(dir, 'main.mjs'), "import { check } from './check.mjs';\nconsole.log(JSON.stringify(await check()));\n");
  reference = await (await import(pathToFileURL(join(dir, 'check.mjs')))).check();
  writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module">import { check } from "./check.mjs"; check().then((r) => { window.result = r; }, (e) => { window.result = { error: String(e && e.stack || e) }; });</script>');
});

after(() => rmSync(dir, { recursive: true, force: true }));

function assertChecked(out) {
  assert.equal(out.error, undefined, out.error);
  assert.equal(out.pkcs8, 'openssl');
  assert.equal(out.sealed, V.sm4Gcm[0].ciphertext + V.sm4Gcm[0].tag);
  assert.equal(out.verified, true);
  assert.equal(out.der, true);
  assert.equal(out.refusal[0], 'WxOpenDataError');
  assert.equal(out.refusal[1], 'INVALID_ARGUMENT');
  assert.match(out.refusal[2], /^invalid argument: apiSecurity\.privateKey is a public key, where the private key belongs/);
  assert.ok(out.refused > 0, 'mutated keys refused');
  assert.equal(out.after, V.sm3[0].digest);
  // The same answers as Node's (the mutations are seeded).
  assert.deepEqual(out, reference);
}

function runScript(exe, args) {
  const r = spawnSync(exe, args, { cwd: dir, encoding: 'utf8', timeout: 60000, env: { ...process.env, DENO_DIR: join(dir, 'deno-dir'), NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('Deno runs the security engine\'s web build', () => {
  assertChecked(runScript(join(runtimes, 'deno', 'deno'), ['run', '--quiet', '--no-prompt', '--allow-read', '--no-lock', 'main.mjs']));
});

test('Bun runs the security engine\'s web build', () => {
  assertChecked(runScript(join(runtimes, 'bun', 'bin', 'bun.exe'), ['main.mjs']));
});

test('headless Chromium runs the security engine\'s web build (served from 127.0.0.1)', async () => {
  const types = { '.mjs': 'text/javascript', '.html': 'text/html' };
  const server = createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname.slice(1) || 'index.html';
    if (!/^[\w.-]+$/.test(name)) return res.writeHead(404).end();
    try {
      const body = readFileSync(join(dir, name));
      res.writeHead(200, { 'content-type': types[name.slice(name.lastIndexOf('.'))] || 'application/octet-stream' }).end(body);
    } catch (_) {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { chromium } = createRequire(join(repo, 'tools', 'package.json'))('playwright-core');
  const executablePath = execFileSync('bash', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'], headless: true });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 60000 });
    assertChecked(await page.evaluate(() => window.result));
  } finally {
    await browser.close();
    server.close();
  }
});
