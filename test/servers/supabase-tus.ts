/**
 * /storage/v1/upload/resumable served by @tus/server over a FileStore: the token is verified
 * on every request, the bucket's limits and the object policies are checked when the upload
 * is created (a trial insert rolled back) and the object row is written as the caller's role
 * when it finishes. Unlike the REST routes, TUS answers with real HTTP statuses.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import type { Pool, PoolClient } from 'pg';
import type { JsonReply } from './supabase-auth.js';
import { bearerOf, type JwtKit, type VerifiedClaims } from './supabase-jwt.js';
import { asRole } from './supabase-sql.js';
import { checkAgainstBucket, moveInto, readBucket } from './supabase-storage.js';

type InsertObject = (client: PoolClient, claims: VerifiedClaims, bucket: string, name: string, meta: { size: number; mimetype: string }, upsert: boolean) => Promise<JsonReply | { id: string }>;

interface TusInput {
  db: Pool;
  jwt: JwtKit;
  objectsDir: string;
  tusDir: string;
  insertObject: InsertObject;
}

/** A TUS endpoint whose uploads become Storage objects. */
export async function createTusHandler(input: TusInput): Promise<{ handle(req: IncomingMessage, res: ServerResponse): Promise<void>; close(): Promise<void> }> {
  await fs.mkdir(input.tusDir, { recursive: true });
  const claimsOf = async (header: string | null): Promise<VerifiedClaims> => {
    const token = bearerOf(header ?? undefined);
    const claims = token === undefined ? undefined : await input.jwt.verify(token);
    if (claims) return claims;
    // Storage's jwt plugin turns any verification failure into AccessDenied with jose's
    // message: an expired token reads '"exp" claim timestamp check failed' (facts/supabase.md §2).
    const reason = (token === undefined ? undefined : await input.jwt.refusal(token)) ?? 'no token';
    throw { status_code: 403, body: JSON.stringify({ statusCode: '403', code: 'AccessDenied', error: 'Unauthorized', message: reason }) };
  };
  const server = new Server({
    path: '/storage/v1/upload/resumable',
    datastore: new FileStore({ directory: input.tusDir }),
    namingFunction: () => randomUUID(),
    onIncomingRequest: async (req) => void (await claimsOf(req.headers.get('authorization'))),
    onUploadCreate: async (req, upload) => {
      const claims = await claimsOf(req.headers.get('authorization'));
      const target = targetOf(upload.metadata);
      const size = upload.size ?? 0;
      const refused = await asRole(input.db, { claims, method: 'POST', path: '/upload/resumable' }, async (client) => {
        const bucketRefusal = checkAgainstBucket(await readBucket(client, target.bucket), size, target.mime);
        if (bucketRefusal) return bucketRefusal;
        // A trial insert, rolled back: the policies decide now, before any byte is sent.
        const trial = await input.insertObject(client, claims, target.bucket, target.name, { size, mimetype: target.mime }, req.headers.get('x-upsert') === 'true');
        await client.query('rollback');
        await client.query('begin');
        return 'id' in trial ? { status: 200, body: null } : trial;
      });
      if (refused.status !== 200) throw { status_code: Number((refused.body as { statusCode?: string }).statusCode ?? refused.status), body: JSON.stringify(refused.body) };
      return {};
    },
    onUploadFinish: async (req, upload) => {
      const claims = await claimsOf(req.headers.get('authorization'));
      const target = targetOf(upload.metadata);
      const reply = await asRole(input.db, { claims, method: 'PATCH', path: '/upload/resumable' }, async (client) => {
        const inserted = await input.insertObject(client, claims, target.bucket, target.name, { size: upload.size ?? 0, mimetype: target.mime }, req.headers.get('x-upsert') === 'true');
        if (!('id' in inserted)) return inserted;
        await moveInto(input.objectsDir, target.bucket, target.name, path.join(input.tusDir, upload.id));
        return { status: 200, body: null };
      });
      if (reply.status !== 200) throw { status_code: Number((reply.body as { statusCode?: string }).statusCode ?? reply.status), body: JSON.stringify(reply.body) };
      return {};
    },
  });
  return { handle: (req, res) => server.handle(req, res), close: () => Promise.resolve() };
}

function targetOf(metadata: Record<string, string | null> | undefined): { bucket: string; name: string; mime: string } {
  const bucket = metadata?.['bucketName'];
  const name = metadata?.['objectName'];
  if (!bucket || !name) throw { status_code: 400, body: 'bucketName and objectName metadata are required' };
  return { bucket, name, mime: metadata['contentType'] ?? 'application/octet-stream' };
}
