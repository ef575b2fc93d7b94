/**
 * Secrets never reach logs, alerts, audit records or dead letters. CloudTrail already
 * masks some fields as "****"; anything else that looks like a secret is masked here,
 * by key name and by inline `password=...` patterns inside strings.
 */
export const MASK = '****';

const SECRET_KEY =
  /pass(word|phrase|wd)?$|password|secret|token|credential|private_?key|api_?key|authorization|^auth$|connectionstring/i;
const INLINE = /((?:password|passwd|pwd|secret|token|api_?key)["']?\s*[=:]\s*["']?)([^"'&\s,;}]+)/gi;
const URL_CREDENTIALS = /(\/\/[^/:@\s]+:)([^@/\s]+)(@)/g;

const redactString = (s: string): string => s.replace(INLINE, `$1${MASK}`).replace(URL_CREDENTIALS, `$1${MASK}$3`);

const clip = (s: string, max: number): string =>
  s.length > max ? `${s.slice(0, max)}…(${s.length - max} more characters)` : s;

const walk = (v: unknown, seen: WeakSet<object>, max: number): unknown => {
  if (typeof v === 'string') return redactString(clip(v, max));
  if (typeof v !== 'object' || v === null) return v;
  if (v instanceof Date) return v;
  if (seen.has(v)) return '[Circular]';
  seen.add(v);
  if (Array.isArray(v)) return v.map((x) => walk(x, seen, max));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    // A boolean or null cannot leak a secret (manageMasterUserPassword: true stays readable).
    out[k] = SECRET_KEY.test(k) && x !== null && typeof x !== 'boolean' && x !== undefined ? MASK : walk(x, seen, max);
  }
  return out;
};

/**
 * A deep copy with every password-like field and inline secret masked, and strings
 * longer than `maxString` clipped (a hostile event cannot blow up a log line). Never throws.
 */
export const redact = <T>(value: T, maxString = 100_000): T => walk(value, new WeakSet(), maxString) as T;

/** For log lines: redacted and bounded. */
export const forLog = <T>(value: T): T => redact(value, 1000);
