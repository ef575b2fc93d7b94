import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readServerlessYml } from '../../../testbed/serverless-yml';

const root = join(__dirname, '..', '..', '..');
const pkg = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    engines?: { node?: string };
  };
const minimum = (range: string): number[] =>
  (/^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim())?.slice(1) ?? ['999']).map((n) => Number(n ?? 0));
const atMost = (a: number[], b: number[]) => {
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  }
  return true;
};

/** The README's Node.js table: the CLI claims ≥ 20.19; the SDK it pins must run there; Lambda runs 22. */
describe('Node.js versions', () => {
  const claimed = minimum(pkg(root).engines?.node ?? '');

  it('the CLI claims Node ≥ 20.19 and the functions run on nodejs22.x', () => {
    expect(claimed).toEqual([20, 19, 0]);
    expect(readServerlessYml().provider.runtime).toBe('nodejs22.x');
  });

  it('every installed AWS SDK and Smithy package supports the Node the CLI claims (the pins predate the Node 22 floor)', () => {
    const dirs = ['@aws-sdk', '@smithy'].flatMap((scope) =>
      readdirSync(join(root, 'node_modules', scope)).map((d) => join(root, 'node_modules', scope, d)),
    );
    expect(dirs.length).toBeGreaterThan(20);
    const tooNew = dirs
      .map(pkg)
      .filter((p) => p.engines?.node && !atMost(minimum(p.engines.node), claimed))
      .map((p) => `${p.name}@${p.version} needs ${p.engines?.node}`);
    expect(tooNew).toEqual([]);
  });
});
