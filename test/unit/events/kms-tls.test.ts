import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalise } from '../../../shared/events/normalise';
import { RULES } from '../../../shared/rules/registry';

const EVENTS = join(__dirname, '..', '..', '..', 'events');

describe.each(['kms-key', 's3-tls', 'rds-tls', 'redshift-tls'])('events/%s samples', (type) => {
  const files = readdirSync(join(EVENTS, type)).filter((f) => f.endsWith('.json'));
  const rule = RULES.find((r) => r.type === type);

  it('cover every trigger of the rule', () => {
    const names = new Set(files.map((f) => f.replace(/(-[a-z-]+)?\.json$/, '')));
    for (const n of rule?.cloudTrail.flatMap((t) => t.eventNames) ?? []) expect(names).toContain(n);
  });

  it.each(files)('%s normalises to a reference of the type', (file) => {
    const n = normalise(JSON.parse(readFileSync(join(EVENTS, type, file), 'utf8')), RULES);
    expect(n.kind).toBe('resources');
    if (n.kind === 'resources') expect(n.refs.map((r) => r.type)).toContain(type);
  });
});
