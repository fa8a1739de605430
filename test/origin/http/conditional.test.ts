import { describe, expect, it } from 'vitest';
import { isNotModified } from '../../../origin/src/http/conditional.js';

const etag = '"abc"';
const modified = new Date('2024-05-01T10:00:00Z');
const check = (h: Record<string, string>) => isNotModified((n) => h[n], etag, modified);

describe('isNotModified (RFC 9110)', () => {
  it('matches If-None-Match lists, weak tags and *', () => {
    expect(check({ 'if-none-match': '"abc"' })).toBe(true);
    expect(check({ 'if-none-match': '"x", W/"abc"' })).toBe(true);
    expect(check({ 'if-none-match': '*' })).toBe(true);
    expect(check({ 'if-none-match': '"abcd"' })).toBe(false);
    expect(check({ 'if-none-match': 'abc' })).toBe(false);
  });
  it('If-None-Match takes precedence over If-Modified-Since', () => {
    expect(check({ 'if-none-match': '"other"', 'if-modified-since': 'Wed, 01 May 2024 10:00:00 GMT' })).toBe(false);
  });
  it('If-Modified-Since compares at one-second resolution', () => {
    expect(check({ 'if-modified-since': 'Wed, 01 May 2024 10:00:00 GMT' })).toBe(true);
    expect(check({ 'if-modified-since': 'Wed, 01 May 2024 09:59:59 GMT' })).toBe(false);
    expect(check({ 'if-modified-since': 'not a date' })).toBe(false);
  });
});
