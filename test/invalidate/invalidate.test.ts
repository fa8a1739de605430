import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  AccessDenied,
  CloudFrontClient,
  CloudFrontServiceException,
  CreateInvalidationCommand,
  type CreateInvalidationCommandInput,
  GetInvalidationCommand,
  type Invalidation,
  NoSuchDistribution,
  TooManyInvalidationsInProgress,
} from '@aws-sdk/client-cloudfront';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_CACHE_TAG_HEADER,
  InvalidationInputError,
  type InvalidationProgress,
  InvalidationTimeoutError,
  MAX_CACHE_TAG_LENGTH,
  MAX_PATHS_PER_INVALIDATION,
  MAX_PATH_LENGTH,
  MAX_WILDCARD_PATHS_IN_PROGRESS,
  batchInvalidationPaths,
  distributionIdFromStack,
  invalidate,
  isWildcardPath,
  normaliseInvalidationPaths,
  planInvalidation,
  prefixToWildcardPath,
  sourceCacheTag,
  validateAndEncodePath,
  validateCacheTag,
} from '../../lib/invalidate/index.js';

const DISTRIBUTION = 'E2QWRUHAPOMQZL';
const cloudFront = mockClient(CloudFrontClient);
const cloudFormation = mockClient(CloudFormationClient);

beforeEach(() => {
  cloudFront.reset();
  cloudFormation.reset();
});
afterEach(() => {
  cloudFront.reset();
  cloudFormation.reset();
});

/**
 * An in-memory CloudFront that keeps CreateInvalidation's documented contract: the same caller
 * reference with the same paths returns the existing invalidation, with other paths it fails with
 * InvalidationBatchAlreadyExists. `statuses` scripts what GetInvalidation reports, poll by poll.
 */
function fakeCloudFront(options: { statuses?: string[]; existing?: Invalidation[] } = {}) {
  const byReference = new Map<string, Invalidation>();
  for (const invalidation of options.existing ?? []) {
    byReference.set(invalidation.InvalidationBatch?.CallerReference ?? '', invalidation);
  }
  let created = 0;
  const statuses = [...(options.statuses ?? [])];
  cloudFront.on(CreateInvalidationCommand).callsFake((input: CreateInvalidationCommandInput) => {
    const batch = input.InvalidationBatch!;
    const previous = byReference.get(batch.CallerReference!);
    if (previous) {
      const same = JSON.stringify(previous.InvalidationBatch?.Paths?.Items) === JSON.stringify(batch.Paths?.Items);
      if (!same) {
        throw new CloudFrontServiceException({
          name: 'InvalidationBatchAlreadyExists',
          $fault: 'client',
          $metadata: { httpStatusCode: 409 },
          message: 'caller reference already used for other paths',
        });
      }
      return { Invalidation: previous };
    }
    created += 1;
    const invalidation: Invalidation = {
      Id: `I${String(created).padStart(13, '0')}`,
      Status: 'InProgress',
      CreateTime: new Date(),
      InvalidationBatch: { CallerReference: batch.CallerReference, Paths: { ...batch.Paths! } },
    };
    byReference.set(batch.CallerReference!, invalidation);
    return { Location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/x/invalidation/${invalidation.Id}`, Invalidation: invalidation };
  });
  cloudFront.on(GetInvalidationCommand).callsFake((input: { Id: string }) => {
    const invalidation = [...byReference.values()].find((candidate) => candidate.Id === input.Id);
    if (!invalidation) {
      throw new CloudFrontServiceException({
        name: 'NoSuchInvalidation',
        $fault: 'client',
        $metadata: { httpStatusCode: 404 },
        message: 'no such invalidation',
      });
    }
    const next = statuses.length > 1 ? statuses.shift() : statuses[0];
    if (next) invalidation.Status = next;
    return { Invalidation: { ...invalidation } };
  });
  return { createdCount: () => created };
}

const sentBatches = () => cloudFront.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input.InvalidationBatch!);

const tooMany = () =>
  new TooManyInvalidationsInProgress({
    message: 'Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations.',
    $metadata: { httpStatusCode: 400 },
  });

const throttled = () =>
  new CloudFrontServiceException({
    name: 'Throttling',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });

const invalidationRecord = (id: string, status: string, createTime: Date, paths: string[]): Invalidation => ({
  Id: id,
  Status: status,
  CreateTime: createTime,
  InvalidationBatch: { CallerReference: `ref-${id}`, Paths: { Quantity: paths.length, Items: paths } },
});

/** Records requested delays instead of waiting them out. */
const recordingSleep = () => {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
};

describe('path validation', () => {
  it('accepts ordinary paths unchanged, query strings and image option syntax included', () => {
    for (const path of ['/img/a.jpg', '/cdn-cgi/image/width=100,format=auto/uploads/a.jpg', '/a.jpg?w=1&h=2', '/v2/*', '/*']) {
      expect(validateAndEncodePath(path)).toBe(path);
    }
  });

  it('refuses a path without a leading slash and names it', () => {
    expect(() => validateAndEncodePath('img/a.jpg')).toThrow(/"img\/a\.jpg" must start with "\/"/);
    expect(() => validateAndEncodePath('')).toThrow(InvalidationInputError);
    expect(() => validateAndEncodePath('#product:tv')).toThrow(/cache tags, not paths/);
  });

  it('allows * only as the last character', () => {
    expect(() => validateAndEncodePath('/v2/*/a.jpg')).toThrow(/"\/v2\/\*\/a\.jpg" has "\*" before its end/);
    expect(() => validateAndEncodePath('/**')).toThrow(InvalidationInputError);
    expect(validateAndEncodePath('/img/a.jpg*')).toBe('/img/a.jpg*');
  });

  it('refuses whitespace and control characters, naming the path and the character', () => {
    const cases: Array<[string, RegExp]> = [
      ['/a b.jpg', /"\/a b\.jpg" contains whitespace \(U\+0020\)/],
      ['/a\tb', /whitespace \(U\+0009\)/],
      ['/a\nb', /whitespace \(U\+000A\)/],
      ['/a\u00a0b', /whitespace \(U\+00A0\)/],
      ['/a\u2028b', /whitespace \(U\+2028\)/],
      ['/a\u0007b', /control character \(U\+0007\)/],
      ['/a\u007fb', /control character \(U\+007F\)/],
      ['/a\u0085b', /U\+0085/],
    ];
    for (const [path, message] of cases) {
      expect(() => validateAndEncodePath(path), path).toThrow(message);
      expect(() => validateAndEncodePath(path), path).toThrow(InvalidationInputError);
    }
  });

  it('percent-encodes non-ASCII and RFC 1738 unsafe characters, and nothing else', () => {
    expect(validateAndEncodePath('/photos/über.jpg')).toBe('/photos/%C3%BCber.jpg');
    expect(validateAndEncodePath('/😀.png')).toBe('/%F0%9F%98%80.png');
    expect(validateAndEncodePath('/runtime~main.js')).toBe('/runtime%7Emain.js');
    expect(validateAndEncodePath('/a<b>"c"{d}|e\\f^g[h]`i')).toBe('/a%3Cb%3E%22c%22%7Bd%7D%7Ce%5Cf%5Eg%5Bh%5D%60i');
    expect(validateAndEncodePath('/a#b')).toBe('/a%23b');
  });

  it('keeps existing %XX escapes and encodes a % that starts none', () => {
    expect(validateAndEncodePath('/a%20b.jpg')).toBe('/a%20b.jpg');
    expect(validateAndEncodePath('/a%2fb')).toBe('/a%2fb');
    expect(validateAndEncodePath('/100%.jpg')).toBe('/100%25.jpg');
    expect(validateAndEncodePath('/a%zz')).toBe('/a%25zz');
  });

  it('refuses an unpaired surrogate', () => {
    expect(() => validateAndEncodePath('/a\ud800b')).toThrow(/unpaired surrogate/);
  });

  it('limits the encoded length to CloudFront maximum', () => {
    const longest = `/${'a'.repeat(MAX_PATH_LENGTH - 1)}`;
    expect(validateAndEncodePath(longest)).toBe(longest);
    expect(() => validateAndEncodePath(`${longest}a`)).toThrow(/4001 characters once encoded; CloudFront allows 4000/);
    // Encoding counts: 1,334 × "ü" is 2,668 characters raw but 8,004 encoded.
    expect(() => validateAndEncodePath(`/${'ü'.repeat(1334)}`)).toThrow(/once encoded/);
  });
});

describe('prefix expansion', () => {
  it('turns a prefix into one wildcard path', () => {
    expect(prefixToWildcardPath('/v2/')).toBe('/v2/*');
    expect(prefixToWildcardPath('/v2')).toBe('/v2/*');
    expect(prefixToWildcardPath('/')).toBe('/*');
    expect(prefixToWildcardPath('/cdn-cgi/image/')).toBe('/cdn-cgi/image/*');
    expect(prefixToWildcardPath('/v2*')).toBe('/v2*');
    expect(prefixToWildcardPath('/über/')).toBe('/%C3%BCber/*');
  });

  it('refuses prefixes that are not path prefixes, naming them', () => {
    expect(() => prefixToWildcardPath('v2/')).toThrow(/prefix "v2\/" must start with "\/"/);
    expect(() => prefixToWildcardPath('/v2/*/a')).toThrow(/"\/v2\/\*\/a\/\*" has "\*" before its end/);
    expect(() => prefixToWildcardPath('/v2?x=1')).toThrow(/contains "\?"/);
    expect(() => prefixToWildcardPath('/v 2/')).toThrow(/whitespace/);
  });
});

describe('de-duplication', () => {
  it('drops duplicates and paths covered by a wildcard of the same request', () => {
    expect(
      normaliseInvalidationPaths({
        paths: ['/v2/a.jpg', '/v2/a.jpg', '/v2/b/*', '/v3/a.jpg', '/v2/*', '/v2-beta/x.jpg'],
        prefixes: ['/v2/', '/v2'],
      }),
    ).toEqual(['/v2-beta/x.jpg', '/v2/*', '/v3/a.jpg']);
  });

  it('lets a broader wildcard win: /v2* covers /v2-beta/..., /* covers everything', () => {
    expect(normaliseInvalidationPaths({ paths: ['/v2*', '/v2-beta/x.jpg', '/v2/*', '/v3/y'] })).toEqual(['/v2*', '/v3/y']);
    expect(normaliseInvalidationPaths({ paths: ['/a', '/b/*', '/c?x=1'], prefixes: ['/'] })).toEqual(['/*']);
  });

  it('compares encoded forms, so /ü.jpg and /%C3%BC.jpg are one path', () => {
    expect(normaliseInvalidationPaths({ paths: ['/ü.jpg', '/%C3%BC.jpg'] })).toEqual(['/%C3%BC.jpg']);
  });

  it('refuses an empty request', () => {
    expect(() => normaliseInvalidationPaths({ paths: [], prefixes: [] })).toThrow(/nothing to invalidate/);
  });

  it('keeps every input covered and nothing redundant (property)', () => {
    const segment = fc.constantFrom('a', 'b', 'v2', 'v2-beta', 'x.jpg');
    const path = fc
      .tuple(fc.array(segment, { minLength: 0, maxLength: 3 }), fc.boolean())
      .map(([segments, wildcard]) => `/${segments.join('/')}${wildcard ? '*' : ''}`);
    fc.assert(
      fc.property(fc.array(path, { minLength: 1, maxLength: 12 }), (paths) => {
        const kept = normaliseInvalidationPaths({ paths });
        const covers = (wildcard: string, candidate: string) => wildcard.endsWith('*') && candidate !== wildcard && candidate.startsWith(wildcard.slice(0, -1));
        expect(new Set(kept).size).toBe(kept.length);
        for (const input of paths) {
          expect(kept.includes(input) || kept.some((wildcard) => covers(wildcard, input))).toBe(true);
        }
        for (const candidate of kept) {
          expect(kept.some((wildcard) => covers(wildcard, candidate))).toBe(false);
        }
      }),
    );
  });
});

describe('batching', () => {
  const files = (count: number) => Array.from({ length: count }, (_, i) => `/img/${String(i).padStart(5, '0')}.jpg`);
  const wildcards = (count: number) => Array.from({ length: count }, (_, i) => `/w${String(i).padStart(3, '0')}/*`);

  it('splits files at 3,000 paths per invalidation', () => {
    const batches = batchInvalidationPaths(files(MAX_PATHS_PER_INVALIDATION + 1));
    expect(batches.map((batch) => batch.length)).toEqual([3000, 1]);
  });

  it('puts at most 15 wildcard paths in one invalidation', () => {
    const batches = batchInvalidationPaths(wildcards(MAX_WILDCARD_PATHS_IN_PROGRESS * 2 + 1));
    expect(batches.map((batch) => batch.length)).toEqual([15, 15, 1]);
  });

  it('fills mixed batches within both limits and loses nothing', () => {
    const input = [...wildcards(20), ...files(5990)].sort();
    const batches = batchInvalidationPaths(input);
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(MAX_PATHS_PER_INVALIDATION);
      expect(batch.filter((path) => path.endsWith('*')).length).toBeLessThanOrEqual(MAX_WILDCARD_PATHS_IN_PROGRESS);
    }
    expect(batches.flat().sort()).toEqual(input);
    expect(batches.length).toBe(3);
  });

  it('sends one CreateInvalidation per batch, each with its own caller reference and a matching Quantity', async () => {
    fakeCloudFront();
    const result = await invalidate({
      client: new CloudFrontClient({ region: 'us-east-1' }),
      distributionId: DISTRIBUTION,
      paths: files(3500),
      prefixes: wildcards(16).map((wildcard) => wildcard.slice(0, -1)),
    });
    const sent = sentBatches();
    expect(sent).toHaveLength(2);
    for (const batch of sent) {
      expect(batch.Paths?.Quantity).toBe(batch.Paths?.Items?.length);
      expect(batch.Paths!.Quantity!).toBeLessThanOrEqual(3000);
      expect(batch.Paths!.Items!.filter((path) => path.endsWith('*')).length).toBeLessThanOrEqual(15);
    }
    expect(new Set(sent.map((batch) => batch.CallerReference)).size).toBe(2);
    expect(sent.flatMap((batch) => batch.Paths!.Items!)).toHaveLength(3516);
    expect(result.invalidations.map((invalidation) => invalidation.paths.length)).toEqual(sent.map((batch) => batch.Paths!.Quantity));
  });
});

describe('caller reference', () => {
  const at = (iso: string) => () => new Date(iso);

  it('is the same for the same distribution and paths, whatever their order or duplicates', () => {
    const first = planInvalidation({ distributionId: DISTRIBUTION, prefixes: ['/v2/'], paths: ['/a.jpg', '/b.jpg'], now: at('2025-03-01T10:00:10Z') });
    const second = planInvalidation({ distributionId: DISTRIBUTION, paths: ['/b.jpg', '/a.jpg', '/a.jpg', '/v2/*'], now: at('2025-03-01T10:04:59Z') });
    expect(second.batches[0]!.callerReference).toBe(first.batches[0]!.callerReference);
    expect(first.batches[0]!.callerReference).toMatch(/^image-cdn-20250301T1000-[0-9a-f]{32}$/);
  });

  it('differs for another distribution, other paths, or the next time window', () => {
    const reference = (distributionId: string, paths: string[], iso: string) =>
      planInvalidation({ distributionId, paths, now: at(iso) }).batches[0]!.callerReference;
    const base = reference(DISTRIBUTION, ['/a.jpg'], '2025-03-01T10:00:00Z');
    expect(reference('E111111111111', ['/a.jpg'], '2025-03-01T10:00:00Z')).not.toBe(base);
    expect(reference(DISTRIBUTION, ['/b.jpg'], '2025-03-01T10:00:00Z')).not.toBe(base);
    expect(reference(DISTRIBUTION, ['/a.jpg'], '2025-03-01T10:05:00Z')).not.toBe(base);
  });

  it('leaves time out when the window is 0', () => {
    const plan = (iso: string) => planInvalidation({ distributionId: DISTRIBUTION, paths: ['/a.jpg'], idempotencyWindowSeconds: 0, now: at(iso) });
    expect(plan('2025-03-01T10:00:00Z').batches[0]!.callerReference).toBe(plan('2026-01-01T00:00:00Z').batches[0]!.callerReference);
    expect(plan('2025-03-01T10:00:00Z').batches[0]!.callerReference).toMatch(/^image-cdn-[0-9a-f]{32}$/);
  });

  it('uses a given reference verbatim, suffixed per batch when there are several', () => {
    expect(planInvalidation({ distributionId: DISTRIBUTION, prefixes: ['/v2/'], callerReference: 'deploy-42' }).batches[0]!.callerReference).toBe('deploy-42');
    const several = planInvalidation({
      distributionId: DISTRIBUTION,
      prefixes: Array.from({ length: 16 }, (_, i) => `/p${i}/`),
      callerReference: 'deploy-42',
    });
    expect(several.batches.map((batch) => batch.callerReference)).toEqual(['deploy-42-1', 'deploy-42-2']);
    expect(() => planInvalidation({ distributionId: DISTRIBUTION, paths: ['/a'], callerReference: ' ' })).toThrow(/must not be empty/);
  });

  it('makes a repeated request return the existing invalidation instead of a second one', async () => {
    const fake = fakeCloudFront();
    const client = new CloudFrontClient({ region: 'us-east-1' });
    const request = { client, distributionId: DISTRIBUTION, prefixes: ['/v2/'], now: at('2025-03-01T10:00:00Z') };
    const first = await invalidate(request);
    const retry = await invalidate({ ...request, prefixes: ['/v2'] });
    expect(fake.createdCount()).toBe(1);
    expect(retry.invalidations[0]!.id).toBe(first.invalidations[0]!.id);
    const [a, b] = sentBatches();
    expect(b!.CallerReference).toBe(a!.CallerReference);
  });

  it('reports an invalidation that predates the call as reused', async () => {
    const plan = planInvalidation({ distributionId: DISTRIBUTION, prefixes: ['/v2/'] });
    const [batch] = plan.batches;
    fakeCloudFront({
      existing: [
        {
          Id: 'IOLD0000000001',
          Status: 'Completed',
          CreateTime: new Date(Date.now() - 2 * 60 * 60 * 1000),
          InvalidationBatch: { CallerReference: batch!.callerReference, Paths: { Quantity: 1, Items: [...batch!.paths] } },
        },
      ],
    });
    const result = await invalidate({ client: new CloudFrontClient({ region: 'us-east-1' }), distributionId: DISTRIBUTION, prefixes: ['/v2/'] });
    expect(result.invalidations[0]).toMatchObject({ id: 'IOLD0000000001', status: 'Completed', reused: true });

    const fresh = await invalidate({
      client: new CloudFrontClient({ region: 'us-east-1' }),
      distributionId: DISTRIBUTION,
      prefixes: ['/v2/'],
      callerReference: 'purge-again',
    });
    expect(fresh.invalidations[0]).toMatchObject({ status: 'InProgress', reused: false, callerReference: 'purge-again' });
    expect(fresh.invalidations[0]!.id).not.toBe('IOLD0000000001');
  });
});

describe('cache tags', () => {
  const DIGEST = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

  const tagError = (tag: string) => {
    try {
      validateCacheTag(tag);
    } catch (error) {
      return error as InvalidationInputError;
    }
    throw new Error(`cache tag ${JSON.stringify(tag)} was accepted`);
  };

  it('exports the header name the construct and the origin agree on', () => {
    expect(DEFAULT_CACHE_TAG_HEADER).toBe('x-image-cdn-cache-tag');
  });

  it('accepts visible ASCII up to 256 characters, in lower case since CloudFront ignores case', () => {
    expect(validateCacheTag('product:electronics')).toBe('product:electronics');
    expect(validateCacheTag('Product:TV')).toBe('product:tv');
    expect(validateCacheTag('!~"<&>*x')).toBe('!~"<&>*x');
    expect(validateCacheTag('a'.repeat(MAX_CACHE_TAG_LENGTH))).toHaveLength(256);
  });

  it('refuses tags CloudFront would not match, naming the tag and the rule', () => {
    const cases: Array<[string, RegExp]> = [
      ['a,b', /cache tag "a,b" contains a comma/],
      ['a b', /cache tag "a b" contains " " \(U\+0020\); CloudFront allows only visible ASCII \(33–126\)/],
      ['caf\u00e9', /"café" contains "é" \(U\+00E9\); CloudFront allows only visible ASCII/],
      ['a\tb', /U\+0009/],
      ['a\u007fb', /U\+007F/],
      ['a'.repeat(257), /is 257 characters; CloudFront allows 256/],
      ['#product:tv', /cache tag "#product:tv" starts with "#"; give the tag without it/],
      ['product:*', /cache tag "product:\*" ends in "\*"; tags have no wildcard/],
    ];
    for (const [tag, message] of cases) {
      const error = tagError(tag);
      expect(error, tag).toBeInstanceOf(InvalidationInputError);
      expect(error.code, tag).toBe('invalid_tag');
      expect(error.message, tag).toMatch(message);
    }
    expect(tagError('').message).toMatch(/non-empty/);
  });

  it('maps a source path to the tag the origin sends for it', () => {
    expect(sourceCacheTag(`uploads/${DIGEST}.jpg`)).toBe(DIGEST);
    expect(sourceCacheTag(`/static/${DIGEST}`)).toBe(DIGEST);
    expect(sourceCacheTag('/img/cat.jpg')).toBe('img/cat.jpg');
    expect(sourceCacheTag('img/Cat.JPG')).toBe('img/cat.jpg');
    expect(sourceCacheTag('photos/über 1.jpg')).toBe('photos/%c3%bcber%201.jpg');
  });

  it('refuses an empty source and a transform URL given as a source', () => {
    expect(() => sourceCacheTag('/')).toThrow(/source "\/" is empty/);
    expect(() => sourceCacheTag('/cdn-cgi/image/width=400/uploads/a.jpg')).toThrow(/is a transform URL; give the source path after the options/);
  });

  it('turns tags and sources into #items next to the paths, de-duplicated and never covered by a wildcard', () => {
    expect(
      normaliseInvalidationPaths({
        prefixes: ['/'],
        paths: ['/a.jpg'],
        tags: [DIGEST, DIGEST.toUpperCase(), 'product:tv'],
        sources: [`uploads/${DIGEST}.jpg`, `/other/${DIGEST}.png`, 'img/cat.jpg'],
      }),
    ).toEqual([`#${DIGEST}`, '#img/cat.jpg', '#product:tv', '/*']);
    expect(normaliseInvalidationPaths({ sources: ['img/cat.jpg'] })).toEqual(['#img/cat.jpg']);
  });

  it('still refuses a #tag passed as a path', () => {
    expect(() => normaliseInvalidationPaths({ paths: [`#${DIGEST}`] })).toThrow(/cache tags, not paths/);
  });

  it('counts tag items as paths, never as wildcards, when batching', () => {
    const tags = Array.from({ length: MAX_PATHS_PER_INVALIDATION + 1 }, (_, i) => `t${i}`);
    expect(batchInvalidationPaths(normaliseInvalidationPaths({ tags })).map((batch) => batch.length)).toEqual([3000, 1]);

    // A source whose path ends in "*" gives a tag item ending in "*": still one exact tag.
    expect(isWildcardPath('#img/a*')).toBe(false);
    const wildcards = Array.from({ length: MAX_WILDCARD_PATHS_IN_PROGRESS }, (_, i) => `/w${i}/`);
    const items = normaliseInvalidationPaths({ prefixes: wildcards, sources: ['img/a*'] });
    expect(batchInvalidationPaths(items)).toEqual([items]);
  });

  it('folds tags into the caller reference, whatever their order, case or spelling as a source', () => {
    const reference = (selectors: { tags?: string[]; sources?: string[]; paths?: string[] }) =>
      planInvalidation({ distributionId: DISTRIBUTION, now: () => new Date('2025-03-01T10:00:00Z'), ...selectors }).batches[0]!.callerReference;
    const base = reference({ tags: [DIGEST, 'product:tv'], paths: ['/a.jpg'] });
    expect(reference({ tags: ['Product:TV', DIGEST.toUpperCase(), 'product:tv'], paths: ['/a.jpg'] })).toBe(base);
    expect(reference({ sources: [`uploads/${DIGEST}.jpg`], tags: ['product:tv'], paths: ['/a.jpg'] })).toBe(base);
    expect(reference({ tags: [DIGEST], paths: ['/a.jpg'] })).not.toBe(base);
    expect(reference({ tags: [DIGEST, 'product:tv'] })).not.toBe(base);
  });

  it('sends tag items in Paths.Items with the paths, counted in Quantity', async () => {
    fakeCloudFront();
    const result = await invalidate({
      client: new CloudFrontClient({ region: 'us-east-1' }),
      distributionId: DISTRIBUTION,
      sources: [`uploads/${DIGEST}.jpg`],
      tags: ['product:tv'],
      paths: ['/a.jpg'],
    });
    const [batch, ...others] = sentBatches();
    expect(others).toHaveLength(0);
    expect(batch!.Paths).toEqual({ Quantity: 3, Items: [`#${DIGEST}`, '#product:tv', '/a.jpg'] });
    expect(result.invalidations[0]!.paths).toEqual([`#${DIGEST}`, '#product:tv', '/a.jpg']);
  });

  it('refuses a bad tag before sending anything', async () => {
    await expect(invalidate({ client: new CloudFrontClient({ region: 'us-east-1' }), distributionId: DISTRIBUTION, tags: ['a b'] })).rejects.toThrow(
      InvalidationInputError,
    );
    expect(cloudFront.commandCalls(CreateInvalidationCommand)).toHaveLength(0);
  });
});

describe('backoff', () => {
  const client = () => new CloudFrontClient({ region: 'us-east-1' });

  it('retries TooManyInvalidationsInProgress with growing, jittered delays and the same caller reference', async () => {
    cloudFront
      .on(CreateInvalidationCommand)
      .rejectsOnce(tooMany())
      .rejectsOnce(tooMany())
      .rejectsOnce(tooMany())
      .resolves({ Invalidation: invalidationRecord('I1', 'InProgress', new Date(), ['/v2/*']) });
    const { delays, sleep } = recordingSleep();
    const events: InvalidationProgress[] = [];
    const randoms = [0, 1, 0.5];
    const result = await invalidate({
      client: client(),
      distributionId: DISTRIBUTION,
      prefixes: ['/v2/'],
      retry: { baseDelayMs: 100, maxDelayMs: 10_000, sleep, random: () => randoms.shift() ?? 0 },
      onProgress: (event) => events.push(event),
    });
    expect(result.invalidations[0]!.id).toBe('I1');
    // Equal jitter: ceiling/2 + random × ceiling/2, ceiling = 100, 200, 400.
    expect(delays).toEqual([50, 200, 300]);
    const references = sentBatches().map((batch) => batch.CallerReference);
    expect(references).toHaveLength(4);
    expect(new Set(references).size).toBe(1);
    expect(events.filter((event) => event.type === 'retrying').map((event) => event.type === 'retrying' && event.attempt)).toEqual([1, 2, 3]);
    expect(events.find((event) => event.type === 'retrying')).toMatchObject({ reason: expect.stringContaining('TooManyInvalidationsInProgress') });
  });

  it('retries throttling too, and caps each delay', async () => {
    cloudFront
      .on(CreateInvalidationCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ Invalidation: invalidationRecord('I2', 'InProgress', new Date(), ['/a.jpg']) });
    const { delays, sleep } = recordingSleep();
    await invalidate({
      client: client(),
      distributionId: DISTRIBUTION,
      paths: ['/a.jpg'],
      retry: { baseDelayMs: 1000, maxDelayMs: 1200, sleep, random: () => 1 },
    });
    expect(delays).toEqual([1000, 1200]);
  });

  it('gives up after maxAttempts with the CloudFront error', async () => {
    cloudFront.on(CreateInvalidationCommand).rejects(tooMany());
    const { delays, sleep } = recordingSleep();
    await expect(invalidate({ client: client(), distributionId: DISTRIBUTION, paths: ['/a.jpg'], retry: { maxAttempts: 4, sleep } })).rejects.toBeInstanceOf(
      TooManyInvalidationsInProgress,
    );
    expect(cloudFront.commandCalls(CreateInvalidationCommand)).toHaveLength(4);
    expect(delays).toHaveLength(3);
  });

  it('does not retry errors that will not change', async () => {
    cloudFront
      .on(CreateInvalidationCommand)
      .rejects(new NoSuchDistribution({ message: 'The specified distribution does not exist.', $metadata: { httpStatusCode: 404 } }));
    const { delays, sleep } = recordingSleep();
    await expect(invalidate({ client: client(), distributionId: DISTRIBUTION, paths: ['/a.jpg'], retry: { sleep } })).rejects.toBeInstanceOf(
      NoSuchDistribution,
    );
    expect(cloudFront.commandCalls(CreateInvalidationCommand)).toHaveLength(1);
    expect(delays).toEqual([]);
  });
});

describe('waiting', () => {
  const fastPolls = { min: 0.01, max: 0.02 };

  it('waits with the SDK waiter until Completed and reports each status', async () => {
    fakeCloudFront({ statuses: ['InProgress', 'InProgress', 'Completed'] });
    const events: InvalidationProgress[] = [];
    const result = await invalidate({
      client: new CloudFrontClient({ region: 'us-east-1' }),
      distributionId: DISTRIBUTION,
      prefixes: ['/v2/'],
      wait: true,
      pollDelaySeconds: fastPolls,
      onProgress: (event) => events.push(event),
    });
    expect(result.invalidations).toEqual([expect.objectContaining({ id: 'I0000000000001', status: 'Completed', paths: ['/v2/*'], reused: false })]);
    const polls = cloudFront.commandCalls(GetInvalidationCommand);
    expect(polls).toHaveLength(3);
    expect(polls[0]!.args[0].input).toEqual({ DistributionId: DISTRIBUTION, Id: 'I0000000000001' });
    expect(events.filter((event) => event.type === 'status').map((event) => event.type === 'status' && event.invalidation.status)).toEqual([
      'InProgress',
      'InProgress',
      'Completed',
    ]);
  });

  it('waits for every batch', async () => {
    fakeCloudFront({ statuses: ['InProgress', 'Completed'] });
    const result = await invalidate({
      client: new CloudFrontClient({ region: 'us-east-1' }),
      distributionId: DISTRIBUTION,
      prefixes: Array.from({ length: 16 }, (_, i) => `/p${i}/`),
      wait: true,
      pollDelaySeconds: fastPolls,
    });
    expect(result.invalidations).toHaveLength(2);
    expect(result.invalidations.every((invalidation) => invalidation.status === 'Completed')).toBe(true);
  });

  it('times out with the ids and last status when the budget runs out', async () => {
    fakeCloudFront({ statuses: ['InProgress'] });
    const started = Date.now();
    const failure = await invalidate({
      client: new CloudFrontClient({ region: 'us-east-1' }),
      distributionId: DISTRIBUTION,
      prefixes: ['/v2/'],
      wait: true,
      maxWaitSeconds: 0.3,
      pollDelaySeconds: { min: 0.05, max: 0.05 },
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InvalidationTimeoutError);
    const timeout = failure as InvalidationTimeoutError;
    expect(timeout.result.invalidations).toEqual([expect.objectContaining({ id: 'I0000000000001', status: 'InProgress' })]);
    expect(timeout.message).toMatch(/timed out after 0\.3 s .* I0000000000001 \(InProgress\)/);
    expect(cloudFront.commandCalls(GetInvalidationCommand).length).toBeGreaterThan(1);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops waiting on a permanent error instead of polling until the timeout', async () => {
    fakeCloudFront();
    cloudFront.on(GetInvalidationCommand).rejects(new AccessDenied({ message: 'Access denied', $metadata: { httpStatusCode: 403 } }));
    const started = Date.now();
    await expect(
      invalidate({
        client: new CloudFrontClient({ region: 'us-east-1' }),
        distributionId: DISTRIBUTION,
        prefixes: ['/v2/'],
        wait: true,
        maxWaitSeconds: 30,
        pollDelaySeconds: fastPolls,
      }),
    ).rejects.toBeInstanceOf(AccessDenied);
    expect(cloudFront.commandCalls(GetInvalidationCommand)).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('does not poll an invalidation CloudFront already reports Completed', async () => {
    cloudFront.on(CreateInvalidationCommand).resolves({
      Invalidation: invalidationRecord('IDONE', 'Completed', new Date(Date.now() - 3_600_000), ['/a.jpg']),
    });
    const result = await invalidate({
      client: new CloudFrontClient({ region: 'us-east-1' }),
      distributionId: DISTRIBUTION,
      paths: ['/a.jpg'],
      wait: true,
      pollDelaySeconds: fastPolls,
    });
    expect(result.invalidations[0]).toMatchObject({ id: 'IDONE', status: 'Completed', reused: true });
    expect(cloudFront.commandCalls(GetInvalidationCommand)).toHaveLength(0);
  });
});

describe('input errors', () => {
  it('refuses a malformed distribution id before sending anything', async () => {
    await expect(invalidate({ client: new CloudFrontClient({ region: 'us-east-1' }), distributionId: 'e2/../x', paths: ['/a'] })).rejects.toThrow(
      /distribution id "e2\/\.\.\/x" is not a CloudFront distribution id/,
    );
    expect(cloudFront.commandCalls(CreateInvalidationCommand)).toHaveLength(0);
  });

  it('refuses bad wait options', async () => {
    await expect(
      invalidate({ client: new CloudFrontClient({ region: 'us-east-1' }), distributionId: DISTRIBUTION, paths: ['/a'], maxWaitSeconds: 0 }),
    ).rejects.toThrow(/maxWaitSeconds must be a positive number/);
  });
});

describe('distribution id from a stack', () => {
  const stack = (outputs: Array<[string, string]>) => ({
    Stacks: [
      {
        StackName: 'ImagesStack',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE' as const,
        Outputs: outputs.map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
  const resolve = () => distributionIdFromStack({ stackName: 'ImagesStack', client: new CloudFormationClient({ region: 'us-east-1' }) });

  it('reads the DistributionId output, preferring the exact key', async () => {
    cloudFormation.on(DescribeStacksCommand, { StackName: 'ImagesStack' }).resolves(
      stack([
        ['BucketName', 'b'],
        ['OtherDistributionId', 'E000000000000'],
        ['DistributionId', DISTRIBUTION],
      ]),
    );
    await expect(resolve()).resolves.toEqual({ distributionId: DISTRIBUTION, outputKey: 'DistributionId' });
  });

  it('accepts one key ending in DistributionId, with or without the CDK hash', async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .resolvesOnce(stack([['ImagesDistributionId', DISTRIBUTION]]))
      .resolvesOnce(
        stack([
          ['ImagesDistributionId1A2B3C4D', DISTRIBUTION],
          ['ImagesDistributionDomainName', 'd111.cloudfront.net'],
        ]),
      );
    await expect(resolve()).resolves.toEqual({ distributionId: DISTRIBUTION, outputKey: 'ImagesDistributionId' });
    await expect(resolve()).resolves.toEqual({ distributionId: DISTRIBUTION, outputKey: 'ImagesDistributionId1A2B3C4D' });
  });

  it('lists the candidates when several outputs match', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves(
      stack([
        ['ImagesDistributionId', 'E111'],
        ['DocsDistributionId', 'E222'],
      ]),
    );
    const error = await resolve().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidationInputError);
    expect((error as InvalidationInputError).code).toBe('ambiguous_stack_output');
    expect((error as Error).message).toMatch(/ImagesDistributionId=E111, DocsDistributionId=E222/);
  });

  it('lists the outputs there are when none matches', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves(
      stack([
        ['BucketName', 'b'],
        ['DistributionDomainName', 'd'],
      ]),
    );
    await expect(resolve()).rejects.toThrow(/no output named "DistributionId".*its outputs are: BucketName, DistributionDomainName/);
  });

  it('passes on CloudFormation errors such as a missing stack', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(
      new CloudFormationServiceException({
        name: 'ValidationError',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Stack with id ImagesStack does not exist',
      }),
    );
    await expect(resolve()).rejects.toThrow(/Stack with id ImagesStack does not exist/);
  });
});
