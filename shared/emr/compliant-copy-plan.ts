import type { KeyInfo } from '../kms/key-resolver';
import type { Policy } from '../policy/policy';
import { type PlanStep, read, write } from '../rules/plan';
import { compliantCopyName, compliantDocument, isCompliantCopyName } from './compliant-copy';
import type { SecurityConfigurationState } from './security-configuration';

/** The calls of ensureCompliantCopy, in order: look for the copy, create it when missing (and possible). */
export const compliantCopySteps = (state: SecurityConfigurationState, cmk: KeyInfo, policy: Policy): PlanStep[] => {
  if (isCompliantCopyName(state.name, cmk)) return [];
  const name = compliantCopyName(state.name, cmk);
  const doc = compliantDocument(state.parsed, cmk, policy.doc.emr?.tlsCertificateProvider);
  return [
    read('emr', 'DescribeSecurityConfiguration', { Name: name }, 'see whether the compliant copy exists already'),
    ...(doc.ok
      ? [
          write(
            'emr',
            'CreateSecurityConfiguration',
            { Name: name },
            `create the compliant copy beside ${state.name} (kept) with the regional CMK`,
            { times: 'optional', when: 'the copy does not exist yet' },
          ),
        ]
      : []),
  ];
};
