import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The sample events under events/<type>/ and the real fixtures under test/fixtures/, for tests that iterate them. */
export const EVENTS_DIR = join(__dirname, '..', '..', 'events');
export const FIXTURES_DIR = join(__dirname, '..', 'fixtures');

const jsonFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? jsonFiles(join(dir, d.name)) : d.name.endsWith('.json') ? [join(dir, d.name)] : [],
  );

export const loadJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

/** Every sample in events/ (by type folder) and every fixture, with its path. */
export const eventSamples = (): { file: string; type: string; event: unknown }[] =>
  jsonFiles(EVENTS_DIR).map((file) => ({
    file,
    type: file.slice(EVENTS_DIR.length + 1).split('/')[0] as string,
    event: loadJson(file),
  }));

// Only the event fixtures: test/fixtures/ also holds reference data (iam/, compliance/) that is not an event and,
// fed to the fuzzer field by field, made it quadratic (the IAM reference alone has 50,000 paths).
const EVENT_FIXTURE_DIRS = ['cloudtrail', 'aws-docs'];
export const fixtureSamples = (): { file: string; event: unknown }[] =>
  EVENT_FIXTURE_DIRS.flatMap((d) => jsonFiles(join(FIXTURES_DIR, d))).map((file) => ({ file, event: loadJson(file) }));

/** Deep copy with every string's occurrences of each `from` replaced by its `to`. */
export const replaceStrings = (v: unknown, pairs: readonly [string, string][]): unknown => {
  if (typeof v === 'string') return pairs.reduce((s, [from, to]) => (from ? s.split(from).join(to) : s), v);
  if (Array.isArray(v)) return v.map((x) => replaceStrings(x, pairs));
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replaceStrings(x, pairs)]));
  return v;
};
