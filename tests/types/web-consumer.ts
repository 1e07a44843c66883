// A consumer of the web entry's typings (web/index.d.ts), compiled with
// `tsc --strict --lib es2022,dom` by scripts/test-types.sh, as a bundler
// project: both 'wx-open-data/web' and 'wx-open-data' (which a bundler
// resolves to the web entry) must give them. Each @ts-expect-error line is
// misuse that must not compile.
import { init, initSync, engineBuild, decryptPhone, WxOpenDataError, type PhoneInfo } from 'wx-open-data/web';
import * as root from 'wx-open-data';

export async function usage(bytes: ArrayBuffer, module: WebAssembly.Module, response: Response): Promise<string> {
  await init();
  await init(new URL('https://example.com/simd.wasm'));
  await init('/static/baseline.wasm');
  await init(bytes);
  await init(new Uint8Array(bytes));
  await init(response);
  await init(fetch('/static/simd.wasm'));
  await init(module);
  initSync(module);
  initSync(new Uint8Array(bytes));
  initSync({ module });
  initSync({ module, tools: module });
  initSync({ module: new Uint8Array(bytes), tools: bytes });
  // The object form declares `tools` (lib.dom's empty WebAssembly.Module
  // would let an undeclared key through, so ask the declaration itself).
  const tools: Extract<Parameters<typeof initSync>[0], { module: unknown }>['tools'] = new Uint8Array(bytes);
  initSync({ module, tools: module, security: module });
  const security: Extract<Parameters<typeof initSync>[0], { module: unknown }>['security'] = new Uint8Array(bytes);
  await root.init(bytes);
  root.initSync(module);
  const build: 'simd' | 'baseline' | 'custom' = engineBuild();
  const sameBuild: 'simd' | 'baseline' | 'custom' = root.engineBuild();
  const phone: PhoneInfo = decryptPhone('k', 'd', 'i', { appId: 'wx4f4bc4dec97d474b' });
  const error: WxOpenDataError = new root.WxOpenDataError('DECRYPT_FAILED');

  // @ts-expect-error: initSync needs the module or the bytes
  initSync();
  // @ts-expect-error: a module or bytes, never null (as with init, lib.dom's
  // empty WebAssembly.Module interface lets any object through, so a wrong
  // `{ module, tools }` object is caught at run time, not here)
  initSync(null);
  // @ts-expect-error: init's input may be left out, never null (lib.dom's
  // WebAssembly.Module is an empty interface, so a number is not caught)
  await init(null);
  // @ts-expect-error: not a build
  if (engineBuild() === 'mvp') return '';
  return [build, sameBuild, phone.countryCode, error.code, String(tools)].join();
}
