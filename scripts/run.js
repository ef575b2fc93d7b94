// Runs a TypeScript script from scripts/ without a build step.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('esbuild-register/dist/node').register({ target: 'node20', format: 'cjs' });
const script = require(require('node:path').resolve(process.argv[2]));
Promise.resolve(script.main(process.argv.slice(3)))
  .then((code) => { process.exitCode = code ?? 0; })
  .catch((e) => { console.error(e); process.exitCode = 1; });
