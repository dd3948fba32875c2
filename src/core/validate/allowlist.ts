/**
 * Which MIME allowlist a run judges against, so that "valid" means "this destination will
 * take it": the provider's documented list for the purpose when a destination is named,
 * the configured list otherwise, with the user's own allow and block lists on top.
 */
import type { Config } from '../config/types.js';
import type { RuleConfig } from './rules.js';

/** Where the allowlist came from, shown in `--json` and JUnit. */
export interface AllowlistChoice {
  /** "kimi:file-extract", or "default" / "config" when no destination list applied. */
  name: string;
  source: 'provider' | 'config' | 'default';
  allowedMimeTypes: string[];
  /** Types the user named themselves (--allow-mime): these let active content through. */
  explicitMimeTypes: string[];
}

/** What chooseAllowlist weighs. */
export interface AllowlistInput {
  /** The destination and what it documents (undefined list: it documents none). */
  destination?: { provider: string; purpose: string; accepts: readonly string[] | undefined } | undefined;
  /** The configured allowedMimeTypes, and whether the user set them (not the default). */
  configured: readonly string[];
  configuredByUser: boolean;
  /** --allow-mime for this run. */
  extra: readonly string[];
}

/** Pick the allowlist: the destination's plus the user's additions, else the configured one. */
export function chooseAllowlist(input: AllowlistInput): AllowlistChoice {
  const explicitMimeTypes = [...input.extra];
  const accepts = input.destination?.accepts;
  if (input.destination !== undefined && accepts !== undefined) {
    const user = input.configuredByUser ? input.configured : [];
    return {
      name: `${input.destination.provider}:${input.destination.purpose}`,
      source: 'provider',
      allowedMimeTypes: unique([...accepts, ...user, ...input.extra]),
      explicitMimeTypes,
    };
  }
  return {
    name: input.configuredByUser ? 'config' : 'default',
    source: input.configuredByUser ? 'config' : 'default',
    allowedMimeTypes: unique([...input.configured, ...input.extra]),
    explicitMimeTypes,
  };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values.map((v) => v.trim().toLowerCase()).filter((v) => v !== ''))];
}

/** The rule settings for a run: the config's limits with the chosen allowlist. */
export function rulesFor(
  config: Pick<Config, 'maxFileSize' | 'blockedExtensions' | 'allowActiveContent' | 'blockedMimeTypes' | 'maxUnpackedSize'>,
  choice: AllowlistChoice,
): RuleConfig {
  return {
    maxFileSize: config.maxFileSize,
    allowedMimeTypes: choice.allowedMimeTypes,
    blockedExtensions: config.blockedExtensions,
    allowActiveContent: config.allowActiveContent,
    blockedMimeTypes: config.blockedMimeTypes,
    explicitMimeTypes: choice.explicitMimeTypes,
    maxUnpackedSize: config.maxUnpackedSize,
    ...(choice.source === 'provider' ? { allowlistName: choice.name } : {}),
  };
}
