// Runs a TypeScript script from scripts/ without a build step.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The registry loads rules with import(): as CJS that must become a deferred require, which esbuild-register hooks
// (Node's own ESM loader would get the .ts source and a directory import).
require('esbuild-register/dist/node').register({
  target: 'node20',
  format: 'cjs',
  supported: { 'dynamic-import': false },
});
const script = require(require('node:path').resolve(process.argv[2]));
Promise.resolve(script.main(process.argv.slice(3)))
  .then((code) => {
    process.exitCode = code ?? 0;
  })
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
