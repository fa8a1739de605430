/**
 * The cache-key measurement of docs/architecture.md, reproduced: one transform written in every
 * order (five options, 120 spellings) per grammar, requested with sixteen real Accept headers.
 * Distinct responses are the origin's distinct ETags for the URLs as written, over HTTP; cache
 * keys are what the deployed function (from the synthesized template) makes of them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { URL_GRAMMARS } from '../../../lib/cdk/viewer-request-function.js';
import type { OriginServer } from '../../../origin/src/server.js';
import { acceptHeaders, cacheKey, forward, loadFunction, REAL_ACCEPT_HEADERS, synthesizedFunctionCode } from '../../support/edge.js';
import { KEY_FAMILIES, TABLE_END, TABLE_START } from '../../support/key-families.js';
import { REPO, startTestOrigin } from '../../support/origin.js';

const ACCEPTS = Object.values(REAL_ACCEPT_HEADERS);

let origin: OriginServer;
beforeAll(async () => {
  origin = await startTestOrigin({ grammars: [...URL_GRAMMARS] });
});
afterAll(async () => {
  await origin?.close();
});

/** Runs `task` over `items`, `width` at a time. */
async function inBatches<T, R>(items: readonly T[], width: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) results.push(...(await Promise.all(items.slice(i, i + width).map(task))));
  return results;
}

async function etag(target: string, accept: string | undefined): Promise<string> {
  const response = await fetch(`${origin.url}${target}`, { method: 'HEAD', headers: acceptHeaders(accept) });
  expect(response.status, target).toBe(200);
  return response.headers.get('etag')!;
}

describe('one cache entry per transform in every grammar', () => {
  const handler = loadFunction(synthesizedFunctionCode({ grammars: URL_GRAMMARS })).handler;

  it('measures the table in docs/architecture.md: one key per explicit format, at most three for format=auto', async () => {
    const rows: string[] = [];
    for (const family of KEY_FAMILIES) {
      const requests = family.spellings.flatMap((spelling) => ACCEPTS.map((accept) => [spelling, accept] as const));
      expect(requests).toHaveLength(120 * 16);
      const etags = await inBatches(requests, 64, ([spelling, accept]) => etag(spelling, accept));
      const responses = new Set(etags).size;
      const keys = new Set(requests.map(([spelling, accept]) => cacheKey(forward(handler, spelling, acceptHeaders(accept))))).size;
      const auto = !family.name.includes('explicit');
      expect(keys, family.name).toBe(responses);
      expect(keys, family.name).toBeLessThanOrEqual(auto ? 3 : 1);
      rows.push(`| ${family.name} | ${responses} | ${keys} | ${auto ? '≤ 3' : '1'} |`);
    }
    const table = [
      '| family (5 options on one source, 120 orders × 16 Accept headers) | distinct responses | cache keys | target |',
      '|---|---|---|---|',
      ...rows,
    ].join('\n');
    const docs = readFileSync(path.join(REPO, 'docs/architecture.md'), 'utf8');
    const start = docs.indexOf(TABLE_START);
    const end = docs.indexOf(TABLE_END);
    expect(start, `docs/architecture.md has the table between ${TABLE_START} and ${TABLE_END}`).toBeGreaterThan(0);
    expect(docs.slice(start + TABLE_START.length, end).trim()).toBe(table);
  }, 120_000);
});
