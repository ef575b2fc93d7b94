import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FUNCTIONS_DIR, LAMBDA_BUILD_OPTIONS } from '../../scripts/build';
import { SERVICES } from '../../testbed/aws-model';

const root = join(__dirname, '..', '..');

export interface CodeOperation {
  client: string;
  operation: string;
  file: string;
}

const exportsOf = new Map<string, Set<string>>();
const clientOfCommand = (name: string, imported: Map<string, string>): string | undefined => {
  const direct = imported.get(`${name}Command`) ?? imported.get(`paginate${name}`);
  if (direct) return direct;
  for (const [client, { pkg }] of Object.entries(SERVICES)) {
    let names = exportsOf.get(pkg);
    if (!names) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      names = new Set(Object.keys(require(pkg) as object));
      exportsOf.set(pkg, names);
    }
    if (names.has(`${name}Command`)) return client;
  }
  return undefined;
};

/** The API operations a source file can send: `new XCommand(` and `paginateX(` of the AWS SDK clients. */
export const operationsInFile = (file: string): CodeOperation[] => {
  const src = readFileSync(file, 'utf8');
  const imported = new Map<string, string>();
  for (const m of src.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'(@aws-sdk\/client-[a-z0-9-]+)'/g)) {
    const client = Object.entries(SERVICES).find(([, s]) => s.pkg === m[2])?.[0];
    if (!client) continue;
    for (const n of (m[1] as string).split(',').map(
      (x) =>
        x
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)[0] as string,
    ))
      if (n) imported.set(n, client);
  }
  const out: CodeOperation[] = [];
  const rel = relative(root, file).split('\\').join('/');
  for (const m of src.matchAll(/new\s+(\w+)Command\(|\bpaginate(\w+)\(/g)) {
    const name = (m[1] ?? m[2]) as string;
    const client = clientOfCommand(name, imported);
    if (client) out.push({ client, operation: name, file: rel });
  }
  return out;
};

/** Every source file esbuild puts in a function's Lambda bundle (the same options as `npm run build`). */
export const bundledFiles = async (functionDir: string): Promise<string[]> => {
  const r = await build({
    ...LAMBDA_BUILD_OPTIONS,
    entryPoints: [join(FUNCTIONS_DIR, functionDir, 'handler.ts')],
    write: false,
    metafile: true,
    outfile: join(root, '.probe', functionDir, 'index.js'),
    logLevel: 'silent',
  });
  return Object.keys(r.metafile?.inputs ?? {})
    .filter((f) => !f.includes('node_modules') && /\.ts$/.test(f))
    .map((f) => join(root, f));
};
