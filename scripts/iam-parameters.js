// What serverless.yml's IAM scoping takes from the policy (custom.iam): read from the policy the build compiled
// (.build/on-change/policy.json, `npm run build`), so the deployed roles and the policy cannot disagree.
// The deploy parameters these replace (cmkAlias, memberRoleName) are refused when they say something else:
// a flag the user gave is never silently ignored.
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const COMPILED = join(__dirname, '..', '.build', 'on-change', 'policy.json');
const DEFAULT_BATCH_ROLE = 'cmk-sentinel-batch';

/** The IAM parameters of a policy document (the compiled policy's `document`). */
const iamParameters = (doc) => {
  const alias = doc && doc.cmk && doc.cmk.alias;
  if (!alias) {
    throw new Error(
      'The policy names no cmk.alias: the deployed roles scope every KMS write to the CMKs by their alias (kms:ResourceAliases). Give cmk.alias in the policy.',
    );
  }
  return {
    cmkAlias: alias,
    memberRoleName: (doc.accounts && doc.accounts.roleName) || 'cmk-sentinel-member',
    batchRoleName: (doc.objects && doc.objects.batchRoleName) || DEFAULT_BATCH_ROLE,
  };
};

const givenParams = (options) => {
  const raw = options && options.param;
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return Object.fromEntries(
    list.map((p) => {
      const i = String(p).indexOf('=');
      return [String(p).slice(0, i), String(p).slice(i + 1)];
    }),
  );
};

const resolve = async ({ options } = {}) => {
  if (!existsSync(COMPILED))
    throw new Error(`${COMPILED} is missing: run \`npm run build\` (or \`npm run package\`) first`);
  const params = iamParameters(JSON.parse(readFileSync(COMPILED, 'utf8')).document);
  const given = givenParams(options);
  for (const name of ['cmkAlias', 'memberRoleName', 'batchRoleName']) {
    if (given[name] !== undefined && given[name] !== params[name]) {
      throw new Error(
        `--param ${name}=${given[name]} differs from the policy (${params[name]}): the roles follow the policy; change the policy, not the parameter`,
      );
    }
  }
  return params;
};

module.exports = resolve;
module.exports.iamParameters = iamParameters;
