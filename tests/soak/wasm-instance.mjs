// The package's require entry together with the WebAssembly.Instance its own
// glue creates, so that tests can read the instance's linear memory. The
// nodejs glue keeps `wasm` private; we capture the instance by wrapping the
// WebAssembly.Instance constructor for the duration of the first require. Must
// run before anything else in the process loads the package (node --test runs
// each file in its own process).
import { entries } from '../js/support/entries.mjs';

let loaded;

/** { api, instance, memory }; later calls return the same instance. */
export async function loadWithInstance() {
  loaded ??= capture();
  return loaded;
}

async function capture() {
  const Original = WebAssembly.Instance;
  let instance;
  WebAssembly.Instance = new Proxy(Original, {
    construct(target, args, newTarget) {
      instance = Reflect.construct(target, args, newTarget);
      return instance;
    },
  });
  let api;
  try {
    api = await entries[0][1]();
  } finally {
    WebAssembly.Instance = Original;
  }
  if (!instance) throw new Error('the package was loaded before loadWithInstance(): its instance cannot be captured');
  return { api, instance, memory: instance.exports.memory };
}
