#!/usr/bin/env node
// The CLI runs the TypeScript sources directly (same code path as the Lambda handlers).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The registry loads rules with import(): as CJS that must become a deferred require, which esbuild-register hooks
// (Node's own ESM loader would get the .ts source and a directory import).
require('esbuild-register/dist/node').register({
  target: 'node20',
  format: 'cjs',
  supported: { 'dynamic-import': false },
});
require('../cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((e) => {
    console.error(JSON.stringify({ level: 'ERROR', message: e.message, code: e.code ?? 'UNEXPECTED' }));
    process.exitCode = 1;
  });
