import { testPolicy } from '../../support/harness';

/** Which key the policy names for an account's resources (Policy.cmkRef, used by the one key resolver). */
const E = 'us-east-1';
const W = 'eu-west-1';
const HOME = '123456789012';
const MEMBER = '210987654321';
const OTHER = '333344445555';
const key = (region: string, account: string, id = 'k1') => `arn:aws:kms:${region}:${account}:key/${id}`;

describe('cmk per account', () => {
  it('the old per-region form still names the home CMK, and a member only when the ARN is its own', () => {
    const p = testPolicy({ cmk: { keys: { [E]: key(E, HOME) } }, regions: [E] });
    expect(p.cmkRef(E)).toEqual({ ref: key(E, HOME), pinned: true });
    // The central key is not a member's CMK: with no alias there is nothing for the member.
    expect(p.cmkRef(E, MEMBER)).toBeUndefined();
    const own = testPolicy({ cmk: { keys: { [E]: key(E, MEMBER) } }, regions: [E] });
    expect(own.cmkRef(E, MEMBER)).toEqual({ ref: key(E, MEMBER), pinned: true });
  });

  it("a member falls back to the alias (resolved in the member), never to the home's pinned key", () => {
    const p = testPolicy({ cmk: { alias: 'alias/data-platform', keys: { [E]: key(E, HOME) } }, regions: [E] });
    expect(p.cmkRef(E, MEMBER)).toEqual({ ref: 'alias/data-platform', pinned: false });
    expect(p.cmkRef(E)).toEqual({ ref: key(E, HOME), pinned: true });
  });

  it("a member's own entry wins: its keys per region, else its alias", () => {
    const p = testPolicy({
      cmk: {
        alias: 'alias/data-platform',
        accounts: { [MEMBER]: { keys: { [E]: key(E, MEMBER, 'm1') }, alias: 'alias/member-cmk' } },
      },
    });
    expect(p.cmkRef(E, MEMBER)).toEqual({ ref: key(E, MEMBER, 'm1'), pinned: true });
    expect(p.cmkRef(W, MEMBER)).toEqual({ ref: 'alias/member-cmk', pinned: false });
    expect(p.cmkRef(W, OTHER)).toEqual({ ref: 'alias/data-platform', pinned: false });
  });

  it("another account's key only with crossAccount: true", () => {
    const cross = { [MEMBER]: { keys: { [E]: key(E, HOME) } } };
    expect(() => testPolicy({ cmk: { alias: 'alias/x', accounts: cross } })).toThrow(
      /cmk\.accounts\.210987654321\.keys\.us-east-1: key .* is in account 123456789012, not 210987654321: set crossAccount: true/,
    );
    const p = testPolicy({
      cmk: { alias: 'alias/x', accounts: { [MEMBER]: { ...cross[MEMBER], crossAccount: true } } },
    });
    expect(p.cmkRef(E, MEMBER)).toEqual({ ref: key(E, HOME), pinned: true });
  });

  it('refuses an account entry with a bad id, a key in another region, or nothing in it', () => {
    expect(() => testPolicy({ cmk: { alias: 'alias/x', accounts: { '12345': { alias: 'alias/y' } } } })).toThrow(
      /cmk.accounts.12345: expected a 12-digit account id in quotes as the key/,
    );
    expect(() =>
      testPolicy({ cmk: { alias: 'alias/x', accounts: { [MEMBER]: { keys: { [W]: key(E, MEMBER) } } } } }),
    ).toThrow(/must be in the region it is listed under/);
    expect(() => testPolicy({ cmk: { alias: 'alias/x', accounts: { [MEMBER]: {} } } })).toThrow(
      /expected "alias" and\/or "keys"/,
    );
  });

  it("the default regions include those of the accounts' key maps", () => {
    const p = testPolicy({
      regions: undefined,
      cmk: { keys: { [E]: key(E, HOME) }, accounts: { [MEMBER]: { keys: { [W]: key(W, MEMBER) } } } },
    });
    expect(p.regions('ap-south-1').sort()).toEqual([W, E].sort());
  });
});
