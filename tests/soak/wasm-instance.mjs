// The package's require entry together with the WebAssembly.Instance it
// creates, so that tests can read the instance's linear memory (the scratch
// buffer every call writes its arguments into, pkg-template/src/engine.mjs).
// The entry keeps its engine private; we capture the instance by wrapping the
// WebAssembly.Instance constructor while the entry loads its engine (it does
// so on first use, here initSync()). Must run before anything else in the
// process uses the package (node --test runs each file in its own process).
import { entries } from '../js/support/entries.mjs';

let loaded;

/** { api, instance, module, memory }; later calls return the same instance. */
export async function loadWithInstance() {
  loaded ??= capture();
  return loaded;
}

async function capture() {
  const Original = WebAssembly.Instance;
  let instance, module;
  WebAssembly.Instance = new Proxy(Original, {
    construct(target, args, newTarget) {
      module = args[0];
      instance = Reflect.construct(target, args, newTarget);
      return instance;
    },
  });
  let api;
  try {
    api = await entries[0][1]();
    // The Node entry instantiates on first use, synchronously.
    api.initSync();
  } finally {
    WebAssembly.Instance = Original;
  }
  if (!instance) throw new Error('the package was used before loadWithInstance(): its instance cannot be captured');
  return { api, instance, module, memory: instance.exports.memory };
}
