/**
 * The Runtime an MCP server works with: one for many calls, rebuilt when the config file
 * changes. A retired one is closed as soon as the last call still using it has finished, so
 * a config edited a hundred times does not leave a hundred catalogs open.
 */
import { stat } from 'node:fs/promises';
import type { Runtime } from '../core/runtime.js';

/** Runs calls against the current Runtime. */
export interface RuntimeHolder {
  /** Run `fn` with the Runtime for the config as it is now. */
  use<T>(fn: (rt: Runtime) => Promise<T>): Promise<T>;
  /** Close every Runtime still open. */
  close(): Promise<void>;
}

interface Held {
  runtime: Promise<Runtime>;
  stamp: string;
  users: number;
  retired: boolean;
}

/** A holder that loads a Runtime on first use and again whenever `configFile` changes identity, size or time. */
export function createRuntimeHolder(loadRuntime: () => Promise<Runtime>, configFile: string): RuntimeHolder {
  let current: Held | undefined;
  const open = new Set<Held>();
  const stampOf = () => stat(configFile).then((s) => `${s.ino}:${s.size}:${s.mtimeMs}`, () => 'absent');
  const closeIfIdle = async (held: Held) => {
    if (!held.retired || held.users > 0 || !open.delete(held)) return;
    await (await held.runtime.catch(() => undefined))?.close();
  };
  const acquire = async (): Promise<Held> => {
    const stamp = await stampOf();
    if (current === undefined || current.stamp !== stamp) {
      const previous = current;
      const held: Held = { runtime: loadRuntime(), stamp, users: 0, retired: false };
      // A config that fails to load is tried again on the next call.
      held.runtime.catch(() => void (current === held && (current = undefined)));
      current = held;
      open.add(held);
      if (previous) {
        previous.retired = true;
        await closeIfIdle(previous);
      }
    }
    return current;
  };
  return {
    async use(fn) {
      const held = await acquire();
      held.users++;
      try {
        return await fn(await held.runtime);
      } finally {
        held.users--;
        await closeIfIdle(held);
      }
    },
    async close() {
      for (const held of open) held.retired = true;
      await Promise.all([...open].map((held) => closeIfIdle(held)));
    },
  };
}
