/**
 * What `exai mcp` calls: built into a bundle of its own (dist/bundle/mcp.cjs), so the MCP SDK
 * and its schemas never load for any other command.
 */
import { format } from 'node:util';
import { createSecretList, redactSecrets } from '../core/redact.js';
import { createRuntime, type Clock, type Runtime } from '../core/runtime.js';
import type { LoadedConfig } from '../core/config/load.js';
import { serveMcp, type McpServerInput } from './server.js';

/** What the CLI hands over: how to load the config, and the server's own settings. */
export interface McpEntryInput extends Omit<McpServerInput, 'loadRuntime' | 'configFile' | 'signal'> {
  /** Loads the config as it is now (file + environment); called again when the file changes. */
  reloadConfig: () => Promise<LoadedConfig>;
  clock: Clock;
  cwd: string;
  userId: string;
  signal: AbortSignal;
}

/** Serve MCP on the process's stdin and stdout until the client goes away. */
export async function runMcp(input: McpEntryInput): Promise<void> {
  const first = await input.reloadConfig();
  // The CLI printed the first load's warnings; a config edited mid-session gets its own, once each.
  const warned = new Set(first.warnings);
  // Session tokens are learnt as the session is read and refreshed: everything that leaves the
  // process is masked with them too, also when a server quotes one back bare.
  const tokens = createSecretList();
  const redact = (text: string) => redactSecrets(input.redact(text), tokens.list());
  const log = (line: string) => input.log(redact(line));
  const loadRuntime = async (): Promise<Runtime> => {
    const loaded = await input.reloadConfig();
    for (const warning of loaded.warnings.filter((w) => !warned.has(w))) {
      warned.add(warning);
      log(`warning: ${warning}`);
    }
    return createRuntime({ loaded, clock: input.clock, cwd: input.cwd, signal: input.signal, overrides: { userId: input.userId }, onWarning: log, onSecret: tokens.add });
  };
  const { reloadConfig: _reload, clock: _clock, cwd: _cwd, userId: _userId, ...server } = input;
  const restore = captureConsole(log);
  try {
    await serveMcp({ ...server, redact, log, loadRuntime, configFile: first.configFilePath });
  } finally {
    restore();
  }
}

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;

/**
 * Libraries write to the console on their own (auth-js prints a failed refresh with the server's
 * message, which may quote the tokens it was sent). stdout is the protocol's and stderr the
 * operator's: both get such lines only through `log`, which redacts and writes to stderr.
 */
function captureConsole(log: (line: string) => void): () => void {
  const saved = CONSOLE_METHODS.map((name) => [name, console[name].bind(console)] as const);
  for (const name of CONSOLE_METHODS) console[name] = (...args: unknown[]) => log(format(...args));
  return () => {
    for (const [name, original] of saved) console[name] = original;
  };
}
