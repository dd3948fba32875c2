/**
 * /storage/v1: object upload (raw body, x-upsert), download, list and delete, with object
 * rows in storage.objects written as the token's role so the bucket's RLS policies decide,
 * and bytes in a directory. Client errors come back as Supabase Storage sends them: HTTP 400
 * with the real status in the body's `statusCode` (facts/supabase.md §8).
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import type { JsonReply } from './supabase-auth.js';
import type { JwtKit, VerifiedClaims } from './supabase-jwt.js';
import { asRole } from './supabase-sql.js';
import { createTusHandler } from './supabase-tus.js';
import { readJson, send } from './supabase.js';

/** The Storage part of the loopback server. */
export interface StorageRoutes {
  handle(req: IncomingMessage, res: ServerResponse, url: URL, token: string | undefined): Promise<void>;
  tus(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** The stored bytes of an object (test assertions). */
  read(bucket: string, name: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** A Storage error as the real server renders it: HTTP 400 (or 500), the real status in the body. */
export function storageError(status: number, code: string, message: string): JsonReply {
  return { status: status >= 500 ? 500 : 400, body: { statusCode: String(status), code, error: code, message } };
}

/** Storage routes over `db`, keeping bytes under `dir`. */
export async function createStorageRoutes(db: Pool, jwt: JwtKit, dir: string): Promise<StorageRoutes> {
  const objectsDir = path.join(dir, 'objects');
  await fs.mkdir(objectsDir, { recursive: true });
  const store = { db, jwt, objectsDir };
  const tus = await createTusHandler({ ...store, tusDir: path.join(dir, 'tus'), insertObject });
  return {
    tus: (req, res) => tus.handle(req, res),
    close: () => tus.close(),
    read: (bucket, name) => fs.readFile(objectPath(objectsDir, bucket, name)),
    handle: async (req, res, url, token) => {
      const claims = token === undefined ? undefined : await jwt.verify(token);
      if (!claims) return send(res, storageError(403, 'AccessDenied', 'signature verification failed'));
      const route = url.pathname.slice('/storage/v1'.length);
      const list = /^\/object\/list\/([^/]+)$/.exec(route);
      if (list && req.method === 'POST') return send(res, await listObjects(store, claims, list[1] ?? '', await readJson(req)));
      const bucketOnly = /^\/object\/([^/]+)\/?$/.exec(route);
      if (bucketOnly && req.method === 'DELETE') return send(res, await deleteObjects(store, claims, bucketOnly[1] ?? '', await readJson(req)));
      const object = /^\/object\/(?:authenticated\/)?([^/]+)\/(.+)$/.exec(route);
      if (object && (req.method === 'POST' || req.method === 'PUT')) {
        const upsert = req.method === 'PUT' || req.headers['x-upsert'] === 'true';
        return send(res, await uploadObject(store, claims, object[1] ?? '', decodeURIComponent(object[2] ?? ''), req, upsert));
      }
      if (object && req.method === 'GET') return downloadObject(store, claims, object[1] ?? '', decodeURIComponent(object[2] ?? ''), res);
      send(res, storageError(404, 'NotFound', 'no such route'));
    },
  };
}

interface Store {
  db: Pool;
  jwt: JwtKit;
  objectsDir: string;
}

interface Bucket {
  file_size_limit: string | null;
  allowed_mime_types: string[] | null;
}

/** The bucket row, read as service_role as the Storage server reads it (its own connection). */
export async function readBucket(client: PoolClient, bucket: string): Promise<Bucket | undefined> {
  await client.query(`select set_config('role', 'service_role', true)`);
  const rows = await client.query<Bucket>('select file_size_limit, allowed_mime_types from storage.buckets where id = $1', [bucket]);
  return rows.rows[0];
}

/** Storage's own checks of size and type against the bucket, as the real server makes them. */
export function checkAgainstBucket(bucket: Bucket | undefined, size: number, mime: string): JsonReply | undefined {
  if (!bucket) return storageError(404, 'NoSuchBucket', 'Bucket not found');
  if (bucket.file_size_limit !== null && size > Number(bucket.file_size_limit)) return storageError(413, 'EntityTooLarge', 'The object exceeded the maximum allowed size');
  const allowed = bucket.allowed_mime_types;
  if (allowed && !allowed.some((m) => m === mime || (m.endsWith('/*') && mime.startsWith(m.slice(0, -1))))) {
    return storageError(415, 'InvalidMimeType', `mime type ${mime} is not supported`);
  }
  return undefined;
}

/** Insert (or upsert) the object row as the caller's role; RLS refusals and duplicates become Storage errors. */
export async function insertObject(client: PoolClient, claims: VerifiedClaims, bucket: string, name: string, meta: { size: number; mimetype: string }, upsert: boolean): Promise<JsonReply | { id: string }> {
  await client.query(`select set_config('role', $1, true)`, [claims.role]);
  await client.query('savepoint object_row');
  try {
    const conflict = upsert ? 'on conflict (bucket_id, name) do update set metadata = excluded.metadata, updated_at = now()' : '';
    const row = await client.query<{ id: string }>(
      `insert into storage.objects (id, bucket_id, name, owner_id, metadata) values ($1, $2, $3, $4, $5) ${conflict} returning id`,
      [randomUUID(), bucket, name, claims.sub ?? null, JSON.stringify(meta)],
    );
    return { id: row.rows[0]?.id ?? '' };
  } catch (error) {
    await client.query('rollback to savepoint object_row');
    const code = (error as { code?: string }).code;
    if (code === '23505') return storageError(409, 'Duplicate', 'The resource already exists');
    if (code === '42501') return storageError(403, 'AccessDenied', 'new row violates row-level security policy');
    throw error;
  }
}

async function uploadObject(store: Store, claims: VerifiedClaims, bucket: string, name: string, req: IncomingMessage, upsert: boolean): Promise<JsonReply> {
  const mime = String(req.headers['content-type'] ?? 'text/plain;charset=UTF-8').split(';')[0]!.trim();
  const temp = path.join(store.objectsDir, `.upload-${randomUUID()}`);
  let size = 0;
  const counter = new Transform({ transform: (chunk: Buffer, _e, done) => ((size += chunk.length), done(null, chunk)) });
  await pipeline(req, counter, createWriteStream(temp));
  try {
    return await asRole(store.db, { claims, method: 'POST', path: `/object/${bucket}/${name}` }, async (client) => {
      const refused = checkAgainstBucket(await readBucket(client, bucket), size, mime);
      if (refused) return refused;
      const inserted = await insertObject(client, claims, bucket, name, { size, mimetype: mime }, upsert);
      if (!('id' in inserted)) return inserted;
      await moveInto(store.objectsDir, bucket, name, temp);
      return { status: 200, body: { Key: `${bucket}/${name}`, Id: inserted.id } };
    });
  } finally {
    await fs.rm(temp, { force: true });
  }
}

/** Put finished bytes at the object's place (names are checked by the policies; the path is hashed to stay inside). */
export async function moveInto(objectsDir: string, bucket: string, name: string, from: string): Promise<void> {
  await fs.rename(from, objectPath(objectsDir, bucket, name));
}

function objectPath(objectsDir: string, bucket: string, name: string): string {
  return path.join(objectsDir, Buffer.from(`${bucket}/${name}`).toString('base64url'));
}

async function downloadObject(store: Store, claims: VerifiedClaims, bucket: string, name: string, res: ServerResponse): Promise<void> {
  const reply = await asRole(store.db, { claims, method: 'GET', path: `/object/${bucket}/${name}` }, async (client) => {
    const rows = await client.query<{ metadata: { mimetype?: string } }>('select metadata from storage.objects where bucket_id = $1 and name = $2', [bucket, name]);
    const row = rows.rows[0];
    return row ? { status: 200, body: row.metadata } : storageError(404, 'NoSuchKey', 'Object not found');
  });
  if (reply.status !== 200) return send(res, reply);
  res.writeHead(200, { 'content-type': (reply.body as { mimetype?: string }).mimetype ?? 'application/octet-stream' });
  await pipeline(createReadStream(objectPath(store.objectsDir, bucket, name)), res);
}

async function deleteObjects(store: Store, claims: VerifiedClaims, bucket: string, body: unknown): Promise<JsonReply> {
  const prefixes = ((body ?? {}) as { prefixes?: unknown }).prefixes;
  if (!Array.isArray(prefixes)) return storageError(400, 'InvalidRequest', 'prefixes is required');
  const reply = await asRole(store.db, { claims, method: 'DELETE', path: `/object/${bucket}` }, async (client) => {
    await client.query(`select set_config('storage.allow_delete_query', 'true', true)`);
    const rows = await client.query<{ name: string; id: string }>('delete from storage.objects where bucket_id = $1 and name = any($2::text[]) returning name, id', [bucket, prefixes.map(String)]);
    return { status: 200, body: rows.rows.map((r) => ({ name: r.name, id: r.id, bucket_id: bucket })) };
  });
  if (reply.status === 200) for (const row of reply.body as Array<{ name: string }>) await fs.rm(objectPath(store.objectsDir, bucket, row.name), { force: true });
  return reply.status === 200 ? reply : storageError(reply.status === 401 || reply.status === 403 ? 403 : 400, 'AccessDenied', 'Access denied');
}

async function listObjects(store: Store, claims: VerifiedClaims, bucket: string, body: unknown): Promise<JsonReply> {
  const opts = (body ?? {}) as { prefix?: string; search?: string; limit?: number };
  const folder = (opts.prefix ?? '').replace(/\/+$/, '');
  const start = folder === '' ? '' : `${folder}/`;
  return asRole(store.db, { claims, method: 'POST', path: `/object/list/${bucket}` }, async (client) => {
    const rows = await client.query<{ name: string; id: string; metadata: unknown; created_at: Date; updated_at: Date }>(
      `select name, id, metadata, created_at, updated_at from storage.objects where bucket_id = $1 and starts_with(name, $2 || $3) and position('/' in substr(name, length($2) + 1)) = 0 order by name limit $4`,
      [bucket, start, opts.search ?? '', opts.limit ?? 100],
    );
    return { status: 200, body: rows.rows.map((r) => ({ ...r, name: r.name.slice(start.length) })) };
  });
}
