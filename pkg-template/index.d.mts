// Typings of the Node entry for `import` (node/index.mjs): the same
// declarations as for require, because node/index.mjs re-exports
// node/index.cjs (one module instance, one WxOpenDataError class). A file of
// its own so that TypeScript sees an ES module where Node loads one
// (@arethetypeswrong/cli, scripts/test-types.sh).
export * from './index.js';
