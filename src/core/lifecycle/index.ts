/** gc (DESIGN.md §5): plan over rows and listings, then apply through the one deletion path. */
export { applyGcPlan, errorsJson, type ApplyDeps, type GcOutcome } from './apply.js';
export { gatherGcInputs, type GatherDeps } from './gather.js';
export { gcNotDue, gcSchedule, readLastGcRun, recordGcRun, type GcSchedule } from './last-run.js';
export { ageDays, planGc, referencedFileIds } from './plan.js';
export { checkDeleteLimit, ORPHAN_MIN_AGE_MS, resolveGcPolicy, type GcRequest } from './policy.js';
export type { GcAction, GcCandidate, GcError, GcInputs, GcOrphan, GcPlan, GcPolicy, ProviderListing } from './types.js';
