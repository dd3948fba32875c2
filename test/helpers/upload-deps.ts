/**
 * In-process upload tests: a temp dir with config, a real SQLite catalog, a clock and the
 * UploadDeps uploadFile/uploadBatch need. Close what it opened with `cleanup()`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Dispatcher } from 'undici';
import { openSqliteCatalog } from '../../src/catalog/sqlite.js';
import type { Catalog } from '../../src/catalog/types.js';
import { createDefaultConfig } from '../../src/core/config/defaults.js';
import type { Config } from '../../src/core/config/types.js';
import { pathPolicyFor } from '../../src/core/files/policy.js';
import type { PathPolicy } from '../../src/core/files/types.js';
import { createBreakerStore, type RetryClock } from '../../src/core/resilience.js';
import type { UploadDeps } from '../../src/core/upload/index.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { makeTempDir } from '../servers/upload-fixtures.js';

/** The first bytes of a binary PDF: not UTF-8, so upload validates a big one from its head. */
export const BINARY_PDF_HEAD = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');

export interface UploadSetupOptions {
  prefix: string;
  clock: RetryClock;
  locksCoverCatalog?: boolean;
  /** Adjust the default config (keys, retry, timeouts). */
  config?: (base: Config) => Config;
  /** The HTTP dispatcher for kimi/glm; default: none (local provider only). */
  dispatcher?: () => Dispatcher | Promise<Dispatcher>;
}

export interface UploadSetup {
  dir: string;
  dirs: Config['dirs'];
  config: Config;
  catalog: Catalog;
  policy: PathPolicy;
  deps: UploadDeps;
  /** Write a binary PDF of `size` bytes into the dir; returns its SHA-256. */
  writeBinaryPdf(name: string, size: number): Promise<string>;
  cleanup(): Promise<void>;
}

/** Build the deps for in-process upload tests (lock timeout 60 s, lease 30 s unless changed). */
export async function createUploadSetup(opts: UploadSetupOptions): Promise<UploadSetup> {
  const { dir, cleanup } = await makeTempDir(opts.prefix);
  const dirs = { config: path.join(dir, 'c'), data: path.join(dir, 'd'), state: path.join(dir, 's') };
  const base = { ...createDefaultConfig({ allowedPaths: [dir], dirs }), lockTimeoutMs: 60_000, leaseMs: 30_000 };
  const config = opts.config ? opts.config(base) : base;
  const catalog = await openSqliteCatalog({ dir: dirs.data });
  const policy = pathPolicyFor(config, dir);
  const noHttp = () => Promise.reject(new Error('no HTTP in this test'));
  const deps: UploadDeps = {
    config,
    catalog,
    registry: createProviderRegistry({ config, dispatcher: opts.dispatcher ?? noHttp }),
    breaker: createBreakerStore(dirs.state, config.breaker, opts.clock),
    clock: opts.clock,
    userId: 'tester',
    policy,
    locksCoverCatalog: opts.locksCoverCatalog ?? true,
  };
  return {
    dir,
    dirs,
    config,
    catalog,
    policy,
    deps,
    writeBinaryPdf: async (name, size) => {
      const content = Buffer.concat([BINARY_PDF_HEAD, randomBytes(size - BINARY_PDF_HEAD.length)]);
      await writeFile(path.join(dir, name), content);
      return createHash('sha256').update(content).digest('hex');
    },
    cleanup: async () => {
      await catalog.close();
      await cleanup();
    },
  };
}
