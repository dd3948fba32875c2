/**
 * What `exai mcp` calls: built into a bundle of its own (dist/bundle/mcp.cjs), so the MCP SDK
 * and its schemas never load for any other command.
 */
import { createRuntime, type Clock, type Runtime } from '../core/runtime.js';
import type { LoadedConfig } from '../core/config/load.js';
import type { Readable, Writable } from 'node:stream';
import { serveMcp } from './server.js';

export interface McpEntryInput {
  /** Loads the config as it is now (file + environment); called again when the file changes. */
  reloadConfig: () => Promise<LoadedConfig>;
  clock: Clock;
  cwd: string;
  userId: string;
  signal: AbortSignal;
  allowRemove: boolean;
  redact: (text: string) => string;
  log: (line: string) => void;
  version: string;
  /** The protocol streams; default the process's stdin and stdout (the code-cache trainer passes its own). */
  stdin?: Readable;
  stdout?: Writable;
}

/** Serve MCP on the process's stdin and stdout until the client goes away. */
export async function runMcp(input: McpEntryInput): Promise<void> {
  const first = await input.reloadConfig();
  const loadRuntime = async (): Promise<Runtime> =>
    createRuntime({ loaded: await input.reloadConfig(), clock: input.clock, cwd: input.cwd, signal: input.signal, overrides: { userId: input.userId } });
  await serveMcp({
    loadRuntime,
    configFile: first.configFilePath,
    allowRemove: input.allowRemove,
    redact: input.redact,
    log: input.log,
    version: input.version,
    stdin: input.stdin,
    stdout: input.stdout,
  });
}
