import path from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultConfig } from '../../../src/core/config/defaults.js';
import type { Config } from '../../../src/core/config/types.js';
import { ExaiError } from '../../../src/core/errors.js';
import { createBreakerStore } from '../../../src/core/resilience.js';
import { createProviderRegistry, selectProviders, validatePurpose } from '../../../src/providers/registry.js';
import { makeTempDir } from '../../servers/upload-fixtures.js';

const MIB = 1024 * 1024;
let temp: Awaited<ReturnType<typeof makeTempDir>>;
let dispatcher: Agent;

beforeAll(async () => {
  temp = await makeTempDir();
  dispatcher = new Agent();
});
afterAll(async () => {
  await dispatcher.close();
  await temp.cleanup();
});

function config(keys: { kimi?: string; glm?: string } = {}): Config {
  const base = createDefaultConfig({ allowedPaths: [temp.dir], dirs: { config: temp.dir, data: path.join(temp.dir, 'data'), state: path.join(temp.dir, 'state') } });
  return { ...base, kimi: { ...base.kimi, apiKey: keys.kimi }, glm: { ...base.glm, apiKey: keys.glm } };
}

const registryFor = (keys: { kimi?: string; glm?: string } = {}) => createProviderRegistry({ config: config(keys), dispatcher: () => dispatcher });
const names = (list: { name: string }[]) => list.map((p) => p.name);

describe('createProviderRegistry', () => {
  it('creates each provider once and lists the configured ones in order', () => {
    const registry = registryFor({ kimi: 'sk-k' });
    expect(registry.get('kimi')).toBe(registry.get('kimi'));
    expect(names(registry.all())).toEqual(['kimi', 'glm', 'local']);
    expect(names(registry.configured())).toEqual(['kimi', 'local']);
  });
});

describe('validatePurpose', () => {
  it('throws a usage error naming the valid purposes', () => {
    const error = (() => {
      try {
        validatePurpose(registryFor().get('kimi'), 'vision');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ExaiError);
    expect(error).toMatchObject({ name: 'INVALID_PURPOSE', exitCode: 2 });
    expect((error as Error).message).toBe('kimi does not accept purpose "vision"; valid purposes: file-extract, image, video, batch');
  });
});

describe('selectProviders', () => {
  it('uses local (and says why the others were skipped) when no key is set', () => {
    const { candidates, skipped } = selectProviders({ registry: registryFor(), purpose: undefined, sizeBytes: 10 });
    expect(names(candidates)).toEqual(['local']);
    expect(skipped).toEqual([
      { provider: 'kimi', reason: 'no API key: set MOONSHOT_API_KEY' },
      { provider: 'glm', reason: 'no API key: set ZAI_API_KEY' },
    ]);
  });

  it('orders by preference, then kimi, glm; local only when asked for once a key exists', () => {
    const registry = registryFor({ kimi: 'sk-k', glm: 'g.k' });
    expect(names(selectProviders({ registry, purpose: undefined, sizeBytes: 10 }).candidates)).toEqual(['kimi', 'glm']);
    expect(names(selectProviders({ registry, preferred: 'glm', purpose: undefined, sizeBytes: 10 }).candidates)).toEqual(['glm', 'kimi']);
    expect(names(selectProviders({ registry, preferred: 'glm', strict: true, purpose: undefined, sizeBytes: 10 }).candidates)).toEqual(['glm']);
    expect(names(selectProviders({ registry, preferred: 'local', purpose: undefined, sizeBytes: 10 }).candidates)).toEqual(['local', 'kimi', 'glm']);
  });

  it('skips providers whose limit for the purpose is below the file size', () => {
    const registry = registryFor({ kimi: 'sk-k', glm: 'g.k' });
    const { candidates, skipped } = selectProviders({ registry, purpose: 'file-extract', sizeBytes: 60 * MIB });
    expect(names(candidates)).toEqual(['kimi']);
    expect(skipped).toEqual([{ provider: 'glm', reason: 'file is 60.0 MiB, glm takes at most 50.0 MiB for file-extract' }]);
  });

  it('skips a provider that does not take the purpose', () => {
    const registry = registryFor({ kimi: 'sk-k', glm: 'g.k' });
    const { skipped } = selectProviders({ registry, purpose: 'video', sizeBytes: 10 });
    expect(skipped[0]?.reason).toBe('does not accept purpose "video" (valid: file-extract, batch, agent, code-interpreter)');
  });

  it('throws NO_PROVIDER_AVAILABLE naming every reason: no key, open breaker, too large', () => {
    const now = () => Date.parse('2026-03-01T12:00:00Z');
    const breaker = createBreakerStore(path.join(temp.dir, 'state-select'), { failureThreshold: 2, cooldownMs: 60_000 }, { now });
    breaker.recordFailure('kimi');
    breaker.recordFailure('kimi');
    const registry = registryFor({ kimi: 'sk-k' });
    const attempt = (sizeBytes: number) => () => selectProviders({ registry, purpose: 'file-extract', sizeBytes, breaker, now });

    expect(attempt(10)).toThrow(
      'no provider can take this file (kimi: circuit open after 2 failures, retry after 2026-03-01T12:01:00.000Z (in 1m); glm: no API key: set ZAI_API_KEY)',
    );
    breaker.recordSuccess('kimi');
    let error: unknown;
    try {
      attempt(120 * MIB)();
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: 'NO_PROVIDER_AVAILABLE', exitCode: 6 });
    expect((error as Error).message).toContain('kimi: file is 120.0 MiB, kimi takes at most 100.0 MiB for file-extract');
    expect((error as ExaiError).details).toMatchObject({ skipped: [{ provider: 'kimi' }, { provider: 'glm' }] });
  });
});
