import fc from 'fast-check';

/** Every path (list of keys) in a JSON value, leaves and branches. */
export const pathsOf = (
  v: unknown,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] => {
  if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      const p = [...prefix, Array.isArray(v) ? Number(k) : k];
      out.push(p);
      pathsOf(x, p, out);
    }
  }
  return out;
};

const parentOf = (root: unknown, path: (string | number)[]): Record<string | number, unknown> | undefined => {
  let cur: unknown = root;
  for (const k of path.slice(0, -1)) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return typeof cur === 'object' && cur !== null ? (cur as Record<string | number, unknown>) : undefined;
};

export const withoutPath = (v: unknown, path: (string | number)[]): unknown => {
  const copy = structuredClone(v);
  const parent = parentOf(copy, path);
  const last = path[path.length - 1] as string | number;
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (parent) delete parent[last];
  return copy;
};

export const withValue = (v: unknown, path: (string | number)[], value: unknown): unknown => {
  const copy = structuredClone(v);
  const parent = parentOf(copy, path);
  if (parent) parent[path[path.length - 1] as string | number] = value;
  return copy;
};

/** Values of the wrong type, huge strings, look-alikes: what a bad producer or an attacker sends. */
export const hostileValue = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.constantFrom(
    null,
    undefined,
    '',
    0,
    -1,
    true,
    [],
    {},
    NaN,
    '****',
    '../../etc/passwd',
    '<Error/>',
    '{"__proto__":{"x":1}}',
  ),
  fc.integer({ min: 10_000, max: 100_000 }).map((n) => 'x'.repeat(n)),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom(
    'DeleteBucket',
    'PutBucketEncryption ',
    'createbucket',
    'CreateDBInstance',
    'FooBar',
    'AWS API Call via CloudTrail',
    'Object Created',
  ),
);

/** 1–3 edits of a seed event: remove a field, or replace one with a hostile value. */
export const mutated = (seeds: readonly unknown[]) =>
  fc.constantFrom(...seeds).chain((seed) => {
    const paths = pathsOf(seed);
    if (paths.length === 0) return fc.constant(seed);
    const edit = fc.tuple(fc.constantFrom(...paths), fc.boolean(), hostileValue);
    return fc
      .array(edit, { minLength: 1, maxLength: 3 })
      .map((edits) =>
        edits.reduce<unknown>(
          (acc, [path, remove, value]) => (remove ? withoutPath(acc, path) : withValue(acc, path, value)),
          seed,
        ),
      );
  });
