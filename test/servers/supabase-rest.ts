/**
 * /rest/v1: rpc calls (POST /rpc/<fn> with named JSON arguments) and the table reads exai
 * makes (GET /<table>?col=op.value&order=…&limit=…), translated to SQL the way PostgREST
 * does and run as the verified token's role. Names are checked against an allow-list
 * pattern and quoted; every value is a bind parameter.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Pool, PoolClient } from 'pg';
import type { JsonReply } from './supabase-auth.js';
import type { JwtKit } from './supabase-jwt.js';
import { asRole } from './supabase-sql.js';

/** The REST part of the loopback server. */
export interface RestRoutes {
  handle(method: string, route: string, query: URLSearchParams, body: unknown, token: string, headers: IncomingHttpHeaders): Promise<JsonReply>;
}

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** REST routes over `db`, verifying tokens with `jwt`. */
export function createRestRoutes(db: Pool, jwt: JwtKit): RestRoutes {
  return {
    handle: async (method, route, query, body, token) => {
      const claims = await jwt.verify(token);
      if (!claims) return { status: 401, body: { code: 'PGRST301', message: 'JWT could not be verified', details: null, hint: null } };
      const rpc = /^\/rpc\/([^/]+)$/.exec(route);
      if (rpc && method === 'POST') return asRole(db, { claims, method, path: route }, (client) => callFunction(client, rpc[1] ?? '', body));
      const table = /^\/([^/]+)$/.exec(route);
      if (table && method === 'GET') return asRole(db, { claims, method, path: route }, (client) => readTable(client, table[1] ?? '', query));
      return { status: 404, body: { code: 'PGRST125', message: 'no such route', details: null, hint: null } };
    },
  };
}

async function callFunction(client: PoolClient, name: string, body: unknown): Promise<JsonReply> {
  if (!NAME.test(name)) return notFound(name);
  const args = Object.entries((body ?? {}) as Record<string, unknown>);
  if (args.some(([key]) => !NAME.test(key))) return notFound(name);
  const shape = await client.query<{ retset: boolean; void: boolean }>(
    `select p.proretset as retset, p.prorettype = 'void'::regtype as void from pg_proc p where p.pronamespace = 'public'::regnamespace and p.proname = $1 limit 1`,
    [name],
  );
  const fn = shape.rows[0];
  if (!fn) return notFound(name);
  const call = `public.${name}(${args.map(([key], i) => `"${key}" => $${i + 1}`).join(', ')})`;
  const values = args.map(([, value]) => (value === null || typeof value !== 'object' ? value : JSON.stringify(value)));
  if (fn.void) {
    await client.query(`select ${call}`, values);
    return { status: 204, body: undefined };
  }
  const sql = fn.retset ? `select coalesce(jsonb_agg(to_jsonb(r)), '[]') as out from ${call} r` : `select to_jsonb(r) as out from ${call} r`;
  const result = await client.query<{ out: unknown }>(sql, values);
  return { status: 200, body: result.rows[0]?.out ?? null };
}

const OPS: Record<string, string> = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=', like: 'like' };

async function readTable(client: PoolClient, table: string, query: URLSearchParams): Promise<JsonReply> {
  if (!NAME.test(table)) return notFound(table);
  const where: string[] = [];
  const values: unknown[] = [];
  let order = '';
  let limit = '';
  for (const [key, raw] of query) {
    if (key === 'select') continue;
    if (key === 'order') order = orderBy(raw);
    else if (key === 'limit') limit = ` limit ${Number.parseInt(raw, 10) || 0}`;
    else if (NAME.test(key)) where.push(filter(key, raw, values));
    else throw Object.assign(new Error(`unknown parameter ${key}`), { code: '42703' });
  }
  const sql = `select coalesce(jsonb_agg(to_jsonb(t)), '[]') as out from (select * from public."${table}"${where.length ? ` where ${where.join(' and ')}` : ''}${order}${limit}) t`;
  const result = await client.query<{ out: unknown }>(sql, values);
  return { status: 200, body: result.rows[0]?.out ?? [] };
}

function filter(column: string, raw: string, values: unknown[]): string {
  const dot = raw.indexOf('.');
  const op = raw.slice(0, dot);
  const value = raw.slice(dot + 1);
  if (op === 'is' && (value === 'null' || value === 'not.null')) return `"${column}" is ${value === 'null' ? 'null' : 'not null'}`;
  if (op === 'in') {
    const items = value.replace(/^\(|\)$/g, '').split(',').map((item) => item.replace(/^"|"$/g, ''));
    values.push(items);
    return `"${column}"::text = any($${values.length}::text[])`;
  }
  const sqlOp = OPS[op];
  if (sqlOp === undefined) throw Object.assign(new Error(`unknown operator ${op}`), { code: '42601' });
  values.push(op === 'like' ? value.replace(/\*/g, '%') : value);
  return `"${column}" ${sqlOp} $${values.length}`;
}

function orderBy(raw: string): string {
  const terms = raw.split(',').map((term) => {
    const [column, direction] = term.split('.');
    if (column === undefined || !NAME.test(column)) throw Object.assign(new Error(`bad order ${raw}`), { code: '42601' });
    return `"${column}" ${direction === 'desc' ? 'desc' : 'asc'}`;
  });
  return ` order by ${terms.join(', ')}`;
}

function notFound(name: string): JsonReply {
  return { status: 404, body: { code: 'PGRST202', message: `Could not find the function or table ${name}`, details: null, hint: null } };
}
