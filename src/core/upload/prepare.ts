/**
 * Steps 1-3 for a whole batch before anything leaves the machine: expand the inputs, open,
 * read, hash and validate every file (a big binary file only as far as validation needs). Upload only starts when every file passed, so a bad
 * file in a batch never leaves the good ones half uploaded.
 */
import { mapLimit } from '../concurrency.js';
import { expandInputs } from '../files/expand.js';
import type { HashCache } from '../files/hash-cache.js';
import type { PathPolicy } from '../files/types.js';
import { reportUnreadable, toValidationReport, type RuleConfig, type ValidationReport } from '../validate/index.js';
import { inspectForUpload } from './inspect-head.js';
import type { ValidatedFile } from './types.js';

const EMPTY = Buffer.alloc(0);

export interface PrepareOptions {
  policy: PathPolicy;
  rules: RuleConfig;
  hashCache?: HashCache | undefined;
  concurrency: number;
  /** Called after each file is inspected, with the count so far and the total (progress). */
  onInspected?: ((done: number, total: number) => void) | undefined;
}

/** Every file's validation report, and the files that passed, ready for upload. */
export interface PreparedBatch {
  reports: ValidationReport[];
  valid: ValidatedFile[];
  rejected: number;
}

/** Expand, inspect and validate `inputs`; no file is left open. */
export async function prepareFiles(inputs: readonly string[], opts: PrepareOptions): Promise<PreparedBatch> {
  const expanded = await expandInputs(inputs, opts.policy.cwd, opts.policy);
  let done = 0;
  const inspections = await mapLimit(expanded.files, Math.max(4, opts.concurrency), async (input) => {
    const inspection = await inspectForUpload(input, { policy: opts.policy, rules: opts.rules, hashCache: opts.hashCache });
    opts.onInspected?.(++done, expanded.files.length);
    return inspection;
  });
  const reports = [...inspections.map((inspection) => toValidationReport(inspection)), ...expanded.errors.map(reportUnreadable)];
  const valid: ValidatedFile[] = [];
  for (const inspection of inspections) {
    const { facts, identity } = inspection;
    const sha256 = facts?.read.sha256;
    // Drop the sniffed head (up to 64 KiB a file), or a batch of thousands of files would keep
    // every one alive until the end. Kept only when validation saw nothing but the head (a big
    // file, no hash yet): the upload proves it sends those very bytes (body.ts).
    const light = facts && sha256 !== undefined ? { ...facts, read: { ...facts.read, head: EMPTY } } : facts;
    // No hash yet: a big binary file checked from its head, hashed later (hash-later.ts).
    if (inspection.valid && light && identity) valid.push({ displayPath: inspection.displayPath, facts: light, identity, sha256 });
  }
  return { reports, valid, rejected: reports.length - valid.length };
}
