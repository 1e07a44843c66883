// The typings declare exactly what each entry exports at run time: for every
// entry and module system, the value exports TypeScript sees (resolving as a
// user's project would) must equal the names the module really has. Run by
// scripts/test-types.sh with the scratch project the tarball is installed in:
//   node tests/types/exports-match.mjs APP_DIR
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const app = resolve(process.argv[2]);
const ts = createRequire(new URL('../../tools/package.json', import.meta.url))('typescript');
const requireFromApp = createRequire(join(app, 'index.cjs'));

/** Value exports of `specifier` as TypeScript resolves it from a file named `file` in the app. */
function declared(specifier, file, options) {
  const path = join(app, file);
  writeFileSync(path, `export * as probe from '${specifier}';\n`);
  const program = ts.createProgram([path], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], ...options });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(path);
  const [statement] = source.statements;
  const symbol = checker.getSymbolAtLocation(statement.moduleSpecifier);
  if (!symbol) throw new Error(`${specifier} does not resolve to typings from ${file}`);
  return checker.getExportsOfModule(symbol)
    .filter((s) => ((s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s).flags & ts.SymbolFlags.Value) !== 0)
    .map((s) => s.name).sort();
}

const node16 = { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 };
const bundler = { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler };
const cases = [
  ['wx-open-data, import (Node)', 'wx-open-data', 'probe.mts', node16, 'import'],
  ['wx-open-data, require (Node)', 'wx-open-data', 'probe.cts', node16, 'require'],
  ['wx-open-data/web', 'wx-open-data/web', 'probe-web.ts', bundler, 'import'],
  ['wx-open-data, bundler (the web entry)', 'wx-open-data', 'probe-bundler.ts', bundler, 'import-web'],
  ['wx-open-data/mock, import', 'wx-open-data/mock', 'probe-mock.mts', node16, 'import'],
  ['wx-open-data/mock, require', 'wx-open-data/mock', 'probe-mock.cts', node16, 'require'],
];

let failed = false;
for (const [label, specifier, file, options, how] of cases) {
  const types = declared(specifier, file, options);
  let names;
  if (how === 'require') {
    names = Object.keys(requireFromApp(specifier)).sort();
  } else {
    // import: what Node loads through the exports map (import condition) or,
    // for a bundler, the web entry that "." resolves to without "node".
    const target = how === 'import-web' ? './node_modules/wx-open-data/web/index.mjs' : specifier;
    const shim = join(app, `${file}.run.mjs`);
    writeFileSync(shim, `export * from '${target}';\n`);
    names = Object.keys(await import(pathToFileURL(shim).href)).sort();
  }
  const missing = names.filter((n) => !types.includes(n));
  const extra = types.filter((n) => !names.includes(n));
  if (missing.length || extra.length) {
    failed = true;
    console.error(`exports-match: ${label}: exported but not declared: [${missing}]; declared but not exported: [${extra}]`);
  } else {
    console.log(`exports-match: ${label}: ${names.length} names, declared exactly`);
  }
}
process.exitCode = failed ? 1 : 0;
