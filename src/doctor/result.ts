/** What one `lowband doctor` check reports: the shared shape of every check module. */

/** Outcome of one doctor check. */
export type CheckLevel = 'ok' | 'warn' | 'FAIL';

/** One line of `lowband doctor`: what was checked, what was found, and the exact fix. */
export interface CheckResult {
  level: CheckLevel;
  name: string;
  detail: string;
  fix?: string;
}

/** What a serial probe found on one port. */
export interface ProbeOutcome {
  /** The answer line that matched the profile's probe, if any. */
  line?: string;
  /** errno-style code (`ENOENT`, `EACCES`, `EBUSY`) or a message when the port failed to open. */
  error?: string;
}
