/** What a library or MCP caller hears while work runs: one event type, no terminal involved. */
import type { UploadEvents } from '../core/upload/types.js';

/** One progress event. Paths are as the caller gave them (relative to cwd). */
export type ExaiProgressEvent =
  | { type: 'validate'; done: number; total: number }
  | { type: 'upload'; path: string; sent_bytes: number; total_bytes: number }
  | { type: 'retry'; path: string; provider: string; attempt: number; delay_ms: number; message: string }
  | { type: 'lock-wait'; path: string; holder_pid: number; holder_host: string }
  | { type: 'notice'; message: string };

export type ProgressListener = (event: ExaiProgressEvent) => void;

/** Upload events that feed one listener. */
export function uploadEventsFor(listener: ProgressListener | undefined): UploadEvents | undefined {
  if (listener === undefined) return undefined;
  return {
    onProgress: (file, sent) => listener({ type: 'upload', path: file.displayPath, sent_bytes: sent, total_bytes: file.facts.size }),
    onRetry: (file, provider, info) =>
      listener({ type: 'retry', path: file.displayPath, provider, attempt: info.attempt, delay_ms: info.delayMs, message: errorText(info.error) }),
    onLockWait: (file, holder) => listener({ type: 'lock-wait', path: file.displayPath, holder_pid: holder.pid, holder_host: holder.hostname }),
    onFallback: (file, from, error) => listener({ type: 'notice', message: `${file.displayPath}: ${from} failed (${error.message}); trying the next provider` }),
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
