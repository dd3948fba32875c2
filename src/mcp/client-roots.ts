/**
 * The client's MCP roots (roots/list) as a narrowing of exai's allowed roots: a tool may use a
 * path only where both agree. Client roots never widen anything: a root outside the allowed
 * ones is dropped, and a client that lists none, or cannot list roots, changes nothing.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isWithin } from '../core/files/path-checks.js';

/** What the client's roots leave of the configured ones. */
export interface Narrowed {
  /** The roots tools may use now (realpath'd); empty when the two sets share nothing. */
  roots: string[];
  /** The client's roots as the server resolved them, for messages. */
  client: string[];
}

/**
 * Local directories named by the client's roots: `file://` URIs without a remote host, each
 * realpath'd (a root that is a symlink counts where it leads). Others are reported and dropped.
 */
export async function clientRootPaths(roots: unknown, report: (line: string) => void): Promise<string[]> {
  const found: string[] = [];
  for (const root of Array.isArray(roots) ? roots : []) {
    const uri = typeof root === 'object' && root !== null ? (root as { uri?: unknown }).uri : undefined;
    const local = typeof uri === 'string' ? localPath(uri) : undefined;
    const real = local === undefined ? undefined : await realpath(local).catch(() => undefined);
    if (real === undefined) report(`ignoring client root ${JSON.stringify(String(uri)).slice(0, 300)}: not a file:// URI of an existing local path`);
    else if (!found.includes(real)) found.push(real);
  }
  return found;
}

function localPath(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  // Only this machine's files: file://host/… names another machine's.
  if (url.protocol !== 'file:' || (url.hostname !== '' && url.hostname !== 'localhost')) return undefined;
  try {
    const local = fileURLToPath(url);
    return local.includes('\0') ? undefined : local;
  } catch {
    return undefined; // an encoded "/" or another form the OS cannot name
  }
}

/**
 * The intersection of the configured roots and the client's: a client root inside a configured
 * one, or a configured root inside a client one. With external paths allowed the configured set
 * is everything, so the client's roots are the answer.
 */
export async function narrowRoots(configured: readonly string[], allowExternal: boolean, client: readonly string[]): Promise<string[]> {
  if (allowExternal) return [...client];
  const mine = await Promise.all(configured.map((root) => realpath(root).catch(() => path.resolve(root))));
  const both = new Set<string>();
  for (const own of mine) {
    for (const theirs of client) {
      if (isWithin(own, theirs)) both.add(theirs);
      else if (isWithin(theirs, own)) both.add(own);
    }
  }
  return [...both];
}
