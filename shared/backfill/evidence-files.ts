import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { translateAwsError } from '../aws/errors';
import { frameworkSummaries, renderComplianceMarkdown, renderCsv, renderOcsf } from '../compliance/evidence';
import type { FrameworkId } from '../compliance/mapping';
import type { PipelineDeps } from '../pipeline/context';
import type { ResultRow, SweepStore } from './store';

/** The evidence beside a sweep's report: CSV, OCSF JSON Lines, and the compliance summary (JSON and Markdown). */
export const renderEvidence = async (
  sweepId: string,
  store: SweepStore,
  deps: Pick<PipelineDeps, 'policy' | 'now'>,
  framework?: FrameworkId,
): Promise<Record<string, string>> => {
  const rows: ResultRow[] = [];
  for await (const r of store.results(sweepId)) rows.push(r);
  const now = deps.now();
  const summaries = frameworkSummaries(rows, framework);
  return {
    csv: renderCsv(rows, framework),
    'ocsf.jsonl': renderOcsf(rows, now),
    'compliance.json': `${JSON.stringify({ schema: 'cmk-sentinel.compliance-summary/v1', sweepId, framework: framework ?? null, frameworks: summaries }, null, 2)}\n`,
    'compliance.md': renderComplianceMarkdown(summaries, deps.policy, now),
  };
};

const TYPES: Record<string, string> = {
  csv: 'text/csv; charset=utf-8',
  'ocsf.jsonl': 'application/x-ndjson',
  'compliance.json': 'application/json',
  'compliance.md': 'text/markdown; charset=utf-8',
};

/** FILE.csv, FILE.ocsf.jsonl, FILE.compliance.json and .md beside FILE.json (the report's base path). */
export const writeEvidenceFiles = (files: Record<string, string>, reportFile: string): string[] => {
  const base = reportFile.slice(0, reportFile.length - extname(reportFile).length);
  mkdirSync(dirname(reportFile), { recursive: true });
  return Object.entries(files).map(([ext, body]) => {
    writeFileSync(`${base}.${ext}`, body);
    return `${base}.${ext}`;
  });
};

/** In AWS beside the report objects, each encrypted with the regional CMK. */
export const putEvidenceObjects = async (
  files: Record<string, string>,
  sweepId: string,
  bucket: string,
  region: string,
  deps: PipelineDeps,
): Promise<string[]> => {
  const cmk = await deps.keys.regionalCmk(region);
  const s3 = deps.clients.get(S3Client, { region });
  const out: string[] = [];
  for (const [ext, Body] of Object.entries(files)) {
    const Key = `sweeps/${sweepId}/report.${ext}`;
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key,
          Body,
          ContentType: TYPES[ext],
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: cmk.arn,
          BucketKeyEnabled: true,
        }),
      );
    } catch (e) {
      throw translateAwsError(e, 's3:PutObject', `${bucket}/${Key}`);
    }
    out.push(`s3://${bucket}/${Key}`);
  }
  return out;
};
