/** The shapes `exai doctor` reports in. */

export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One finding: what was checked, how it went, and what to do about it. */
export interface DoctorCheck {
  /** Short area name: "config", "dir data", "provider kimi", … */
  name: string;
  status: CheckStatus;
  /** What was found; never a secret's value. */
  message: string;
  hint?: string | undefined;
}

/** A check producer; it reports, it never throws for a finding. */
export type CheckRun = () => Promise<DoctorCheck[]>;
