/** The fake servers must be as strict as the real APIs, or the provider tests prove nothing. */
import FormData from 'form-data';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../../servers/fake-provider.js';

const KEY = 'sk-fake-strict-0000000000';
let dispatcher: Agent;
let kimi: FakeProvider;

beforeAll(async () => {
  dispatcher = new Agent();
  kimi = await startFakeProvider({ kind: 'kimi', apiKey: KEY });
});
afterAll(async () => {
  await kimi.close();
  await dispatcher.close();
});

function form(fields: Record<string, string>, file = true): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  if (file) f.append('file', Buffer.from('%PDF-1.4'), { filename: 'a.pdf', contentType: 'application/pdf' });
  return f;
}

async function post(body: FormData, contentType?: string) {
  const res = await request(`${kimi.url}/files`, {
    dispatcher,
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': contentType ?? body.getHeaders()['content-type'] as string },
    body: body.getBuffer(),
  });
  return { status: res.statusCode, body: (await res.body.json()) as { error?: { type: string; message: string } } };
}

describe('fake provider strictness', () => {
  it('rejects a hand-set multipart/form-data without a boundary, like a real parser', async () => {
    const res = await post(form({ purpose: 'file-extract' }), 'multipart/form-data');
    expect(res.status).toBe(400);
    expect(res.body.error?.type).toBe('invalid_request_error');
  });

  it('rejects a body whose boundary differs from the header', async () => {
    const res = await post(form({ purpose: 'file-extract' }), 'multipart/form-data; boundary=not-the-one');
    expect(res.status).toBe(400);
  });

  it('requires both file and purpose', async () => {
    expect((await post(form({}))).status).toBe(400);
    expect((await post(form({ purpose: 'file-extract' }, false))).status).toBe(400);
  });

  it('accepts a well-formed upload', async () => {
    expect((await post(form({ purpose: 'file-extract' }))).status).toBe(200);
  });
});
