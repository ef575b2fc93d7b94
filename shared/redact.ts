/**
 * Secrets never reach logs, alerts, audit records or dead letters. CloudTrail already
 * masks some fields as "****"; anything else that looks like a secret is masked here,
 * by key name and by inline `password=...` patterns inside strings.
 */
export const MASK = '****';

const SECRET_KEY = /pass(word|phrase|wd)?$|password|secret|token|credential|private_?key|api_?key|authorization|^auth$|connectionstring/i;
const INLINE = /((?:password|passwd|pwd|secret|token|api_?key)["']?\s*[=:]\s*["']?)([^"'&\s,;}]+)/gi;
const URL_CREDENTIALS = /(\/\/[^/:@\s]+:)([^@/\s]+)(@)/g;

const redactString = (s: string): string => s.replace(INLINE, `$1${MASK}`).replace(URL_CREDENTIALS, `$1${MASK}$3`);

const walk = (v: unknown, seen: WeakSet<object>): unknown => {
  if (typeof v === 'string') return redactString(v);
  if (typeof v !== 'object' || v === null) return v;
  if (v instanceof Date) return v;
  if (seen.has(v)) return '[Circular]';
  seen.add(v);
  if (Array.isArray(v)) return v.map((x) => walk(x, seen));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    // A boolean or null cannot leak a secret (manageMasterUserPassword: true stays readable).
    out[k] = SECRET_KEY.test(k) && x !== null && typeof x !== 'boolean' && x !== undefined ? MASK : walk(x, seen);
  }
  return out;
};

/** A deep copy with every password-like field and inline secret masked. Never throws. */
export const redact = <T>(value: T): T => walk(value, new WeakSet()) as T;
