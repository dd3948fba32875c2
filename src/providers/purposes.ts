/** Purpose checks shared by the providers and the registry: which purposes, how large a file. */
import { ExaiError } from '../core/errors.js';
import { formatBytes } from '../core/units.js';
import type { Provider, PurposeLimit } from './types.js';

/** MB in the providers' docs ("100MB") taken as MiB: 100 * 1024 * 1024 bytes. */
export const MB = 1024 * 1024;

/** The limit for `purpose` on `provider`, or undefined when the provider does not take it. */
export function purposeLimitOf(provider: Provider, purpose: string): PurposeLimit | undefined {
  if (provider.limitFor !== undefined) return provider.limitFor(purpose);
  return Object.hasOwn(provider.purposes, purpose) ? provider.purposes[purpose] : undefined;
}

/** The purpose to use on `provider`: the one asked for, else the provider's default. */
export function resolvePurpose(provider: Provider, purpose: string | undefined): string {
  return purpose === undefined || purpose === '' ? provider.defaultPurpose : purpose;
}

/** Throw INVALID_PURPOSE (usage, exit 2) naming the valid purposes unless `provider` takes `purpose`. */
export function validatePurpose(provider: Provider, purpose: string): PurposeLimit {
  const limit = purposeLimitOf(provider, purpose);
  if (limit !== undefined) return limit;
  const valid = listPurposes(provider);
  throw new ExaiError('INVALID_PURPOSE', `${provider.name} does not accept purpose "${purpose}"; valid purposes: ${valid}`, {
    hint: `use --purpose with one of: ${valid} (default: ${provider.defaultPurpose})`,
    details: { provider: provider.name, purpose, valid_purposes: Object.keys(provider.purposes) },
  });
}

/** Throw PROVIDER_FILE_TOO_LARGE when `size` is above the provider's limit for `purpose`. */
export function checkSizeLimit(provider: Provider, purpose: string, size: number): void {
  const limit = validatePurpose(provider, purpose);
  if (size <= limit.maxBytes) return;
  throw new ExaiError('PROVIDER_FILE_TOO_LARGE', describeTooLarge(provider, purpose, size, limit), {
    details: { provider: provider.name, purpose, size_bytes: size, max_bytes: limit.maxBytes },
  });
}

/** "file is 120.0 MiB, kimi takes at most 100.0 MiB for file-extract" */
export function describeTooLarge(provider: Provider, purpose: string, size: number, limit: PurposeLimit): string {
  return `file is ${formatBytes(size)}, ${provider.name} takes at most ${formatBytes(limit.maxBytes)} for ${purpose}`;
}

function listPurposes(provider: Provider): string {
  return Object.keys(provider.purposes).join(', ');
}
