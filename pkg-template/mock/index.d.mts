// Typings of wx-open-data/mock for `import` (mock/index.mjs): the same
// declarations as for require (mock/index.d.ts), in a file TypeScript reads
// as an ES module, as Node loads mock/index.mjs (@arethetypeswrong/cli,
// scripts/test-types.sh).
export * from './index.js';
