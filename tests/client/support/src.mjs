// Loads modules of pkg-template/src (the package's ESM source) for the client
// tests. The JSON hook must be registered before the first of them loads, so
// test files import this and then `await load('client.mjs')`.
import { register } from 'node:module';

register('./json-hook.mjs', import.meta.url);

const SRC = new URL('../../../pkg-template/src/', import.meta.url);

/** import() of pkg-template/src/<name>. */
export function load(name) {
  return import(new URL(name, SRC).href);
}

export const srcUrl = (name) => new URL(name, SRC).href;
