import { keyIssueSentence, keyMismatch, keyReason } from '../../kms/compare';
import type { ObservedKey } from '../../kms/key-resolver';
import type { ActionLimits, EvaluationContext, Finding } from '../contract';

export interface GlueCatalogState {
  region: string;
  /** EncryptionAtRest.CatalogEncryptionMode: DISABLED | SSE-KMS | SSE-KMS-WITH-SERVICE-ROLE. */
  mode: string;
  catalogKeyRef?: string;
  catalogKey?: ObservedKey;
  serviceRole?: string;
  /** ConnectionPasswordEncryption. */
  passwordsEncrypted: boolean;
  passwordKeyRef?: string;
  passwordKey?: ObservedKey;
}

/**
 * Pure. Two settings, both under the CMK: the catalog's metadata at rest (SSE-KMS; no key id = aws/glue), and
 * connection passwords (encrypted with a customer key when ReturnConnectionPasswordEncrypted is on).
 */
export const evaluateGlueCatalog = (s: GlueCatalogState, ctx: EvaluationContext): Finding => {
  const expectedKey = ctx.cmk.arn;
  const atRest = s.mode === 'DISABLED' ? 'UNENCRYPTED' : keyReason(keyMismatch(s.catalogKey, ctx.cmk, ctx.region));
  const passwords = !s.passwordsEncrypted ? 'UNENCRYPTED' : keyReason(keyMismatch(s.passwordKey, ctx.cmk, ctx.region));
  const observedKey = s.mode === 'DISABLED' ? undefined : (s.catalogKey?.info?.arn ?? s.catalogKeyRef);
  if (!atRest && !passwords) return { status: 'COMPLIANT', observedKey, expectedKey };
  const parts = [
    atRest
      ? `metadata at rest ${atRest === 'UNENCRYPTED' ? 'is not encrypted' : keyIssueSentence(atRest, 'aws/glue')}`
      : '',
    passwords
      ? `connection passwords ${passwords === 'UNENCRYPTED' ? 'are not encrypted' : keyIssueSentence(passwords, 'aws/glue').replace(/^is/, 'are')}`
      : '',
  ].filter(Boolean);
  return {
    status: 'NON_COMPLIANT',
    // The catalog's own encryption is the bigger exposure: its reason leads.
    reason: atRest ?? passwords,
    detail: `Glue Data Catalog in ${s.region}: ${parts.join('; ')}`,
    observedKey: atRest ? observedKey : (s.passwordKey?.info?.arn ?? s.passwordKeyRef),
    expectedKey,
  };
};

export const glueCatalogLimits = (): ActionLimits => ({
  quarantine: 'the Data Catalog is an account setting: nothing to tag or isolate',
});
