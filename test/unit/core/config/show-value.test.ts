import { describe, expect, it } from 'vitest';
import { showUrl } from '../../../../src/core/config/show-value.js';

describe('showUrl', () => {
  it('drops userinfo in every spelling the URL parser accepts, keeping scheme, host and path', () => {
    const cases: Array<[string, string]> = [
      ['http://user:pw1@host.example/v1', 'http://<redacted>@host.example/v1'],
      ['http:user:pw1@host.example', 'http://<redacted>@host.example/'],
      ['http:\\\\user:pw1@host.example\\v1', 'http://<redacted>@host.example/v1'],
      ['https:/user:pw1@host.example', 'https://<redacted>@host.example/'],
      ['http://user:p w1@host.example', 'http://<redacted>@host.example/'],
      ['http://user:p@w1@host.example', 'http://<redacted>@host.example/'],
      ['http://user:p%40w1@host.example', 'http://<redacted>@host.example/'],
      ['http://pw1@host.example', 'http://<redacted>@host.example/'],
      ['http://user:pw1@host.example/v1?token=abc', 'http://<redacted>@host.example/v1…'],
    ];
    for (const [input, shown] of cases) expect(showUrl(input), input).toBe(shown);
  });

  it('shows a URL without credentials as typed, and an unparseable one only when it has no "@"', () => {
    expect(showUrl(' https://api.moonshot.ai/v1 ')).toBe('https://api.moonshot.ai/v1');
    expect(showUrl('ftp://example.com')).toBe('ftp://example.com');
    expect(showUrl('http://user:pw1@')).not.toContain('pw1');
    expect(showUrl('http://user:pw1#@host')).not.toContain('pw1');
    expect(showUrl('not a url')).toBe('not a url');
  });
});
