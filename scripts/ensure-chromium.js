#!/usr/bin/env node
// The HTML report's test renders it in headless Chromium (Debian's `chromium` package). `npm test` runs this
// first (pretest), so a fresh machine gets the browser instead of a skipped test. Idempotent: a present browser
// costs one version check.
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const works = () => {
  if (!existsSync(path)) return false;
  try {
    execFileSync(path, ['--version'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
};

if (works()) process.exit(0);
if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
  console.error(
    `Chromium not found at ${path}. Install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH.`,
  );
  process.exit(1);
}
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const run = (args) =>
  execFileSync(asRoot ? args[0] : 'sudo', asRoot ? args.slice(1) : args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
console.error(`Chromium not found at ${path}: installing Debian's chromium package (for the HTML report test)...`);
try {
  run(['apt-get', 'update']);
  run(['apt-get', 'install', '-y', '--no-install-recommends', 'chromium']);
} catch (e) {
  console.error(`Could not install chromium (${e.message}). Install it by hand: apt-get install chromium`);
  process.exit(1);
}
if (!works()) {
  console.error(`chromium installed but ${path} does not run`);
  process.exit(1);
}
