import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { ALERT_SCHEMA, type Alert } from '../alerts/alert';
import { translateAwsError } from '../aws/errors';
import type { PipelineDeps } from '../pipeline/context';
import { buildReport, pctText, renderHtml, renderJson, renderMarkdown, type SweepReport } from './report';
import type { SweepMeta, SweepStore } from './store';

export const REPORT_FORMATS = { json: renderJson, md: renderMarkdown, html: renderHtml } as const;

export const reportFor = async (meta: SweepMeta, store: SweepStore): Promise<SweepReport> => {
  const unitErrors: { unit: string; error: string }[] = [];
  for (const u of meta.units) {
    const s = await store.getUnit(meta.sweepId, u);
    if (s?.error) unitErrors.push({ unit: u, error: s.error });
  }
  return buildReport(meta, store.results(meta.sweepId), unitErrors);
};

/** The three renderings side by side: FILE.json, FILE.md, FILE.html (whatever extension FILE had). */
export const writeReportFiles = (report: SweepReport, file: string): string[] => {
  const base = file.slice(0, file.length - extname(file).length);
  mkdirSync(dirname(file), { recursive: true });
  return Object.entries(REPORT_FORMATS).map(([ext, render]) => {
    const path = `${base}.${ext}`;
    writeFileSync(path, render(report));
    return path;
  });
};

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json',
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

/** In AWS the report goes to the report bucket, each object encrypted with the regional CMK. */
export const putReportObjects = async (
  report: SweepReport,
  bucket: string,
  region: string,
  deps: PipelineDeps,
): Promise<string[]> => {
  const cmk = await deps.keys.regionalCmk(region);
  const s3 = deps.clients.get(S3Client, { region });
  const keys: string[] = [];
  for (const [ext, render] of Object.entries(REPORT_FORMATS)) {
    const Key = `sweeps/${report.sweepId}/report.${ext}`;
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key,
          Body: render(report),
          ContentType: CONTENT_TYPES[ext],
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: cmk.arn,
          BucketKeyEnabled: true,
        }),
      );
    } catch (e) {
      throw translateAwsError(e, 's3:PutObject', `${bucket}/${Key}`);
    }
    keys.push(`s3://${bucket}/${Key}`);
  }
  return keys;
};

/** One summary message in the alert format, through the same sink as every alert. */
export const summaryAlert = (
  report: SweepReport,
  where: string[],
  region: string,
  account: string,
  now: Date,
): Alert => {
  const t = report.totals;
  const open = t.nonCompliant - t.fixed + t.errors + report.unitErrors.length;
  return {
    schema: ALERT_SCHEMA,
    id: `${report.sweepId}-summary`,
    time: now.toISOString(),
    severity: open > 0 ? 'HIGH' : 'INFO',
    resource: { type: 'sweep', id: report.sweepId, account, region },
    status: t.errors ? 'ERROR' : t.nonCompliant ? 'NON_COMPLIANT' : 'COMPLIANT',
    reason: 'BACKFILL_SUMMARY',
    detail: `${t.total} resources: ${t.compliant} compliant, ${t.nonCompliant} non-compliant (${t.fixed} fixed), ${t.errors} errors, ${report.unitErrors.length} failed listings; compliance ${pctText(t.compliancePct)} as found, ${pctText(t.compliancePctAfter)} after${report.dryRun ? ' (dry run)' : ''}. Report: ${where.join(', ')}`,
    action: {
      taken: report.dryRun ? 'REPORT' : 'REMEDIATE',
      result: report.dryRun ? 'NOT_ATTEMPTED' : open > 0 ? 'FAILED' : 'VERIFIED',
      detail: Object.entries(report.byReason)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    },
    trigger: { eventId: report.sweepId, eventName: 'Backfill', source: 'cmk-sentinel.backfill' },
  };
};
