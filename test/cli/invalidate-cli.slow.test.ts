/**
 * `image-cdn invalidate` as a subprocess against local servers that speak CloudFront's REST-XML
 * and CloudFormation's query protocol, reached through AWS_ENDPOINT_URL_CLOUDFRONT and
 * AWS_ENDPOINT_URL_CLOUDFORMATION.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { worstCaseCallMs } from '../../lib/aws/client-limits.js';
import { DEFAULT_AWS_API_LIMITS, planInvalidation } from '../../lib/invalidate/index.js';
import { startStallingServer, type StallingServer } from '../support/stalling-server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DISTRIBUTION = 'E2QWRUHAPOMQZL';
const DIGEST = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const ACCESS_KEY = 'AKIDEXAMPLE';

interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly receivedAt: Date;
}

const decodeXml = (text: string) =>
  text.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#[0-9]+);/g, (_, entity: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (entity in named) return named[entity]!;
    return String.fromCodePoint(entity.startsWith('#x') ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10));
  });
const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const xmlValues = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((match) => decodeXml(match[1]!));

const readBody = (request: IncomingMessage) =>
  new Promise<string>((done, fail) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    request.on('error', fail);
  });

const listen = (server: Server) =>
  new Promise<string>((done) => server.listen(0, '127.0.0.1', () => done(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

const CLOUDFRONT_NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

/** CloudFront CreateInvalidation and GetInvalidation, as documented in the API reference. */
class FakeCloudFront {
  readonly requests: RecordedRequest[] = [];
  /** Polls answered InProgress before Completed; Infinity never completes. */
  completeAfterPolls = 1;
  /** CreateInvalidation calls to refuse with TooManyInvalidationsInProgress first. */
  refuseCreates = 0;
  private readonly invalidations = new Map<string, { id: string; paths: string[]; reference: string; created: Date; polls: number }>();
  private nextId = 1;
  readonly server = createServer((request, response) => void this.handle(request, response));

  reset(): void {
    this.requests.length = 0;
    this.invalidations.clear();
    this.completeAfterPolls = 1;
    this.refuseCreates = 0;
    this.nextId = 1;
  }

  creates(): RecordedRequest[] {
    return this.requests.filter((request) => request.method === 'POST');
  }

  polls(): RecordedRequest[] {
    return this.requests.filter((request) => request.method === 'GET');
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    this.requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body, receivedAt: new Date() });
    const create = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation$/.exec(request.url ?? '');
    const get = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation\/([^/]+)$/.exec(request.url ?? '');
    const distribution = create?.[1] ?? get?.[1];
    if (distribution !== undefined && distribution !== DISTRIBUTION) {
      return this.error(response, 404, 'NoSuchDistribution', 'The specified distribution does not exist.');
    }
    if (create && request.method === 'POST') {
      if (this.refuseCreates > 0) {
        this.refuseCreates -= 1;
        return this.error(
          response,
          400,
          'TooManyInvalidationsInProgress',
          'Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations.',
        );
      }
      const reference = xmlValues(body, 'CallerReference')[0] ?? '';
      const paths = xmlValues(body, 'Path');
      const existing = [...this.invalidations.values()].find((candidate) => candidate.reference === reference);
      const invalidation = existing ?? {
        id: `I${String(this.nextId++).padStart(13, '0')}`,
        paths,
        reference,
        created: new Date(),
        polls: 0,
      };
      this.invalidations.set(invalidation.id, invalidation);
      response.writeHead(201, {
        'content-type': 'text/xml',
        location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/${DISTRIBUTION}/invalidation/${invalidation.id}`,
        'x-amzn-requestid': `req-${this.requests.length}`,
      });
      return void response.end(this.invalidationXml(invalidation, 'InProgress'));
    }
    if (get && request.method === 'GET') {
      const invalidation = this.invalidations.get(get[2]!);
      if (!invalidation) return this.error(response, 404, 'NoSuchInvalidation', 'The specified invalidation does not exist.');
      invalidation.polls += 1;
      const status = invalidation.polls >= this.completeAfterPolls ? 'Completed' : 'InProgress';
      response.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': `req-${this.requests.length}` });
      return void response.end(this.invalidationXml(invalidation, status));
    }
    this.error(response, 400, 'InvalidArgument', `unexpected ${request.method} ${request.url}`);
  }

  private invalidationXml(invalidation: { id: string; paths: string[]; reference: string; created: Date }, status: string): string {
    return (
      `<?xml version="1.0" encoding="UTF-8"?>\n<Invalidation xmlns="${CLOUDFRONT_NS}">` +
      `<Id>${invalidation.id}</Id><Status>${status}</Status><CreateTime>${invalidation.created.toISOString()}</CreateTime>` +
      `<InvalidationBatch><Paths><Quantity>${invalidation.paths.length}</Quantity><Items>` +
      invalidation.paths.map((path) => `<Path>${escapeXml(path)}</Path>`).join('') +
      `</Items></Paths><CallerReference>${escapeXml(invalidation.reference)}</CallerReference></InvalidationBatch></Invalidation>`
    );
  }

  private error(response: ServerResponse, status: number, code: string, message: string): void {
    response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': `req-${this.requests.length}` });
    response.end(
      `<?xml version="1.0"?>\n<ErrorResponse xmlns="${CLOUDFRONT_NS}"><Error><Type>Sender</Type>` +
        `<Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>req-${this.requests.length}</RequestId></ErrorResponse>`,
    );
  }
}

const CLOUDFORMATION_NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

/** CloudFormation DescribeStacks over the query protocol (form-encoded POST, XML answer). */
class FakeCloudFormation {
  readonly requests: RecordedRequest[] = [];
  readonly stacks: Record<string, Array<[string, string]>> = {
    ImagesStack: [
      ['BucketName', 'images-bucket'],
      ['ImagesDistributionId1A2B3C4D', DISTRIBUTION],
    ],
    TwoDistributions: [
      ['ImagesDistributionId', DISTRIBUTION],
      ['DocsDistributionId', 'E3DOCSDOCSDOCS'],
    ],
  };
  readonly server = createServer((request, response) => void this.handle(request, response));

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    this.requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body, receivedAt: new Date() });
    const form = new URLSearchParams(body);
    const name = form.get('StackName') ?? '';
    const outputs = this.stacks[name];
    if (form.get('Action') !== 'DescribeStacks' || !outputs) {
      response.writeHead(400, { 'content-type': 'text/xml' });
      return void response.end(
        `<ErrorResponse xmlns="${CLOUDFORMATION_NS}"><Error><Type>Sender</Type><Code>ValidationError</Code>` +
          `<Message>Stack with id ${escapeXml(name)} does not exist</Message></Error><RequestId>cfn-1</RequestId></ErrorResponse>`,
      );
    }
    response.writeHead(200, { 'content-type': 'text/xml' });
    response.end(
      `<DescribeStacksResponse xmlns="${CLOUDFORMATION_NS}"><DescribeStacksResult><Stacks><member>` +
        `<StackName>${escapeXml(name)}</StackName><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/${escapeXml(name)}/1</StackId>` +
        `<CreationTime>2025-01-01T00:00:00.000Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>` +
        outputs.map(([key, value]) => `<member><OutputKey>${key}</OutputKey><OutputValue>${value}</OutputValue></member>`).join('') +
        `</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>cfn-2</RequestId></ResponseMetadata></DescribeStacksResponse>`,
    );
  }
}

const cloudFront = new FakeCloudFront();
const cloudFormation = new FakeCloudFormation();
let cloudFrontUrl = '';
let cloudFormationUrl = '';
let home = '';

beforeAll(async () => {
  cloudFrontUrl = await listen(cloudFront.server);
  cloudFormationUrl = await listen(cloudFormation.server);
  home = mkdtempSync(join(tmpdir(), 'image-cdn-invalidate-'));
});

afterAll(async () => {
  await Promise.all([cloudFront.server, cloudFormation.server].map((server) => new Promise((done) => server.close(done))));
  rmSync(home, { recursive: true, force: true });
});

beforeEach(() => {
  cloudFront.reset();
  cloudFormation.requests.length = 0;
});

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Only what the SDK chain needs: dummy static credentials, a region, and the local endpoints. */
function awsEnvironment(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_CLOUDFRONT: cloudFrontUrl,
    AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormationUrl,
    ...overrides,
  };
  for (const [name, value] of Object.entries(environment)) if (value === undefined) delete environment[name];
  return environment;
}

function run(command: string, args: string[], environment: NodeJS.ProcessEnv = awsEnvironment()): Promise<CliRun> {
  return new Promise((done, fail) => {
    // Asynchronous on purpose: the fake servers live in this process and must keep answering.
    const child = spawn(command, args, { cwd: ROOT, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(killer);
      done({ code, stdout, stderr });
    });
  });
}

const cli = (...args: string[]) => run(process.execPath, ['dist/bin/image-cdn.js', 'invalidate', ...args]);

const sentBatch = (request: RecordedRequest) => ({
  quantity: Number(xmlValues(request.body, 'Quantity')[0]),
  paths: xmlValues(request.body, 'Path'),
  callerReference: xmlValues(request.body, 'CallerReference')[0] ?? '',
});

describe('image-cdn invalidate over the wire', () => {
  it('sends one signed CreateInvalidation with encoded, de-duplicated paths and a derived caller reference', async () => {
    const result = await cli(
      '--prefix',
      '/v2/',
      '--path',
      '/v2/a.jpg',
      '--path',
      '/photos/über.jpg',
      '--path',
      '/photos/über.jpg',
      '--distribution-id',
      DISTRIBUTION,
    );
    expect(result.code, result.stderr).toBe(0);
    const [create, ...others] = cloudFront.requests;
    expect(others).toHaveLength(0);
    expect(create!.method).toBe('POST');
    expect(create!.url).toBe(`/2020-05-31/distribution/${DISTRIBUTION}/invalidation`);
    expect(create!.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/\\d{8}/us-east-1/cloudfront/aws4_request, `));
    expect(create!.body).toContain(`<InvalidationBatch xmlns="${CLOUDFRONT_NS}">`);
    const batch = sentBatch(create!);
    expect(batch.paths).toEqual(['/photos/%C3%BCber.jpg', '/v2/*']);
    expect(batch.quantity).toBe(2);
    const expected = planInvalidation({
      distributionId: DISTRIBUTION,
      paths: ['/photos/%C3%BCber.jpg', '/v2/*'],
      now: () => create!.receivedAt,
    }).batches[0]!.callerReference;
    expect(batch.callerReference).toBe(expected);
    expect(result.stdout).toContain('I0000000000001  InProgress  2 path(s)');
    expect(result.stdout).toContain('/v2/*');
  });

  it('sends the same caller reference again on a re-run, and CloudFront answers with the same invalidation', async () => {
    const first = await cli('--prefix', '/v2/', '--distribution-id', DISTRIBUTION, '--caller-reference', 'deploy-42', '--json');
    const second = await cli('--prefix', '/v2', '--distribution-id', DISTRIBUTION, '--caller-reference', 'deploy-42', '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    const references = cloudFront.creates().map((request) => sentBatch(request).callerReference);
    expect(references).toEqual(['deploy-42', 'deploy-42']);
    expect(JSON.parse(second.stdout).invalidations[0].id).toBe(JSON.parse(first.stdout).invalidations[0].id);
  });

  it('prints a machine-readable result with --json', async () => {
    const result = await cli('--prefix', '/v2/', '--path', '/a.jpg?w=1&h=2', '--distribution-id', DISTRIBUTION, '--json');
    expect(result.code, result.stderr).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed).toMatchObject({
      ok: true,
      dryRun: false,
      distributionId: DISTRIBUTION,
      invalidations: [
        {
          id: 'I0000000000001',
          status: 'InProgress',
          paths: ['/a.jpg?w=1&h=2', '/v2/*'],
          callerReference: expect.stringMatching(/^image-cdn-\d{8}T\d{4}-[0-9a-f]{32}$/),
          reused: false,
        },
      ],
    });
    expect(sentBatch(cloudFront.creates()[0]!).paths).toEqual(['/a.jpg?w=1&h=2', '/v2/*']);
  });

  it('--wait polls GetInvalidation until Completed, printing status lines when not on a terminal', async () => {
    cloudFront.completeAfterPolls = 3;
    const result = await cli('--prefix', '/v2/', '--distribution-id', DISTRIBUTION, '--wait', '--poll-interval', '0.05', '--json');
    expect(result.code, result.stderr).toBe(0);
    const polls = cloudFront.polls();
    expect(polls.map((request) => request.url)).toEqual(Array(3).fill(`/2020-05-31/distribution/${DISTRIBUTION}/invalidation/I0000000000001`));
    expect(result.stderr).toMatch(/I0000000000001 InProgress after 0:\d\d\n/);
    expect(result.stderr).toMatch(/I0000000000001 Completed after 0:\d\d\n/);
    expect(result.stderr).not.toContain('\r');
    expect(JSON.parse(result.stdout).invalidations[0].status).toBe('Completed');
  });

  it.runIf(existsSync('/usr/bin/script'))('--wait draws a spinner line on a terminal', async () => {
    cloudFront.completeAfterPolls = 4;
    const command = [
      process.execPath,
      'dist/bin/image-cdn.js',
      'invalidate',
      '--prefix',
      '/v2/',
      '--distribution-id',
      DISTRIBUTION,
      '--wait',
      '--poll-interval',
      '0.2',
    ].join(' ');
    // util-linux script(1) runs the command on a pseudo-terminal; its output is the terminal's.
    const result = await run('/usr/bin/script', ['-qefc', command, '/dev/null']);
    expect(result.code, result.stdout).toBe(0);
    // eslint-disable-next-line no-control-regex -- the terminal's erase-line escape is what is under test
    expect(result.stdout).toMatch(/\r\x1b\[2K[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting: I0000000000001 InProgress {2}0:\d\d/);
    expect(result.stdout).not.toMatch(/InProgress after/);
    expect(result.stdout).toContain('I0000000000001  Completed');
  });

  it('exits 4 when --wait runs out of time, still reporting the invalidation', async () => {
    cloudFront.completeAfterPolls = Infinity;
    const result = await cli('--prefix', '/v2/', '--distribution-id', DISTRIBUTION, '--wait', '--timeout', '1', '--poll-interval', '0.1', '--json');
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr).toMatch(/timed out: timed out after 1 s waiting for 1 invalidation\(s\) to complete: I0000000000001 \(InProgress\)/);
    const parsed = JSON.parse(result.stdout);
    expect(parsed).toMatchObject({
      ok: false,
      error: { type: 'timeout', code: 'wait_timeout' },
      invalidations: [{ id: 'I0000000000001', status: 'InProgress' }],
    });
    expect(cloudFront.polls().length).toBeGreaterThan(1);
  });

  it('--dry-run sends nothing and shows what it would send', async () => {
    const result = await cli('--prefix', '/v2/', '--path', '/a~b.jpg', '--distribution-id', DISTRIBUTION, '--dry-run');
    expect(result.code, result.stderr).toBe(0);
    expect(cloudFront.requests).toHaveLength(0);
    expect(cloudFormation.requests).toHaveLength(0);
    expect(result.stdout).toMatch(/^Dry run: nothing sent\. 1 invalidation\(s\) for E2QWRUHAPOMQZL:/);
    expect(result.stdout).toMatch(/caller reference image-cdn-\d{8}T\d{4}-[0-9a-f]{32} \(2 path\(s\)\)/);
    expect(result.stdout).toContain('    /a%7Eb.jpg\n    /v2/*\n');
  });

  it('--dry-run --json prints the planned batches', async () => {
    const result = await cli('--prefix', '/v2/', '--distribution-id', DISTRIBUTION, '--dry-run', '--json', '--caller-reference', 'r1');
    expect(result.code, result.stderr).toBe(0);
    expect(cloudFront.requests).toHaveLength(0);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: true,
      dryRun: true,
      distributionId: DISTRIBUTION,
      source: null,
      batches: [{ paths: ['/v2/*'], callerReference: 'r1' }],
    });
  });

  it('retries TooManyInvalidationsInProgress with the same caller reference', async () => {
    cloudFront.refuseCreates = 1;
    const result = await cli('--prefix', '/v2/', '--distribution-id', DISTRIBUTION);
    expect(result.code, result.stderr).toBe(0);
    const creates = cloudFront.creates().map(sentBatch);
    expect(creates).toHaveLength(2);
    expect(creates[1]!.callerReference).toBe(creates[0]!.callerReference);
    expect(result.stderr).toMatch(/CloudFront refused for now \(TooManyInvalidationsInProgress: .*\); retry 1 in \d\.\d s/);
  });
});

describe('image-cdn invalidate --source and --tag', () => {
  it('sends the cache tag of each source as a #item, next to the paths', async () => {
    const result = await cli(
      '--source',
      `uploads/${DIGEST}.jpg`,
      '--source',
      `/static/${DIGEST}.jpg`,
      '--source',
      '/img/cat.jpg',
      '--tag',
      'Campaign:Spring',
      '--path',
      '/a.jpg',
      '--distribution-id',
      DISTRIBUTION,
      '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    const [create, ...others] = cloudFront.requests;
    expect(others).toHaveLength(0);
    expect(create!.url).toBe(`/2020-05-31/distribution/${DISTRIBUTION}/invalidation`);
    expect(create!.body).toContain(`<Path>#${DIGEST}</Path>`);
    const batch = sentBatch(create!);
    expect(batch.paths).toEqual([`#${DIGEST}`, '#campaign:spring', '#img/cat.jpg', '/a.jpg']);
    expect(batch.quantity).toBe(4);
    expect(JSON.parse(result.stdout).invalidations[0].paths).toEqual(batch.paths);
  });

  it('--dry-run shows the tag items and sends nothing', async () => {
    const text = await cli('--source', `uploads/${DIGEST}.jpg`, '--prefix', '/v1/', '--distribution-id', DISTRIBUTION, '--dry-run');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`(2 path(s))\n    #${DIGEST}\n    /v1/*\n`);

    const json = await cli('--source', `uploads/${DIGEST}.jpg`, '--distribution-id', DISTRIBUTION, '--dry-run', '--json', '--caller-reference', 'r1');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).batches).toEqual([{ paths: [`#${DIGEST}`], callerReference: 'r1' }]);
    expect(cloudFront.requests).toHaveLength(0);
  });

  it('says in --help that the distribution needs cache tags', async () => {
    const result = await cli('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--source <path>');
    expect(result.stdout).toMatch(/--source and --tag need a distribution with cache tags enabled[\s\S]*"x-image-cdn-cache-tag"/);
  });
});

describe('image-cdn invalidate --stack', () => {
  it('reads the distribution id from the stack outputs with DescribeStacks', async () => {
    const result = await cli('--prefix', '/v2/', '--stack', 'ImagesStack', '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(cloudFormation.requests).toHaveLength(1);
    const form = new URLSearchParams(cloudFormation.requests[0]!.body);
    expect(form.get('Action')).toBe('DescribeStacks');
    expect(form.get('StackName')).toBe('ImagesStack');
    expect(cloudFormation.requests[0]!.headers.authorization).toMatch(/\/us-east-1\/cloudformation\/aws4_request/);
    expect(cloudFront.creates().map((request) => request.url)).toEqual([`/2020-05-31/distribution/${DISTRIBUTION}/invalidation`]);
    expect(JSON.parse(result.stdout).source).toEqual({ stack: 'ImagesStack', outputKey: 'ImagesDistributionId1A2B3C4D' });
    expect(result.stderr).toContain(`stack ImagesStack: distribution ${DISTRIBUTION} (output ImagesDistributionId1A2B3C4D)`);
  });

  it('with --dry-run only reads the stack', async () => {
    const result = await cli('--prefix', '/v2/', '--stack', 'ImagesStack', '--dry-run');
    expect(result.code, result.stderr).toBe(0);
    expect(cloudFormation.requests).toHaveLength(1);
    expect(cloudFront.requests).toHaveLength(0);
  });

  it('exits 2 and lists the candidates when several outputs could be the distribution id', async () => {
    const result = await cli('--prefix', '/v2/', '--stack', 'TwoDistributions');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`ImagesDistributionId=${DISTRIBUTION}, DocsDistributionId=E3DOCSDOCSDOCS`);
    expect(cloudFront.requests).toHaveLength(0);
  });

  it('exits 3 when the stack does not exist', async () => {
    const result = await cli('--prefix', '/v2/', '--stack', 'Missing', '--json');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('AWS error: Stack with id Missing does not exist');
    expect(JSON.parse(result.stdout).error).toMatchObject({ type: 'aws', code: 'ValidationError' });
    expect(cloudFront.requests).toHaveLength(0);
  });
});

describe('image-cdn invalidate exit codes', () => {
  it('exits 3 on an AWS error such as NoSuchDistribution (404)', async () => {
    const result = await cli('--prefix', '/v2/', '--distribution-id', 'E000000000000', '--json');
    expect(result.code).toBe(3);
    expect(cloudFront.creates()).toHaveLength(1);
    expect(result.stderr).toContain('AWS error: The specified distribution does not exist.');
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: false,
      error: { type: 'aws', code: 'NoSuchDistribution' },
      distributionId: 'E000000000000',
    });
  });

  it.each([
    [['--prefix', '/v2/'], /give --distribution-id ID or --stack NAME/],
    [['--distribution-id', DISTRIBUTION], /give at least one --prefix, --path, --source or --tag/],
    [['--tag', 'a,b', '--distribution-id', DISTRIBUTION], /cache tag "a,b" contains a comma/],
    [['--tag', 'sale:*', '--distribution-id', DISTRIBUTION], /tags have no wildcard/],
    [['--source', '/cdn-cgi/image/width=400/img/cat.jpg', '--distribution-id', DISTRIBUTION], /is a transform URL/],
    [['--path', `#${DIGEST}`, '--distribution-id', DISTRIBUTION], /cache tags, not paths/],
    [['--path', 'v2/a.jpg', '--distribution-id', DISTRIBUTION], /invalidation path "v2\/a\.jpg" must start with "\/"/],
    [['--path', '/v2/*/a.jpg', '--distribution-id', DISTRIBUTION], /has "\*" before its end/],
    [['--path', '/a b.jpg', '--distribution-id', DISTRIBUTION], /contains whitespace/],
    [['--prefix', '/v2/', '--distribution-id', 'not-an-id'], /distribution id "not-an-id" is not a CloudFront distribution id/],
    [['--prefix', '/v2/', '--distribution-id', DISTRIBUTION, '--stack', 'ImagesStack'], /cannot be used with option '--stack/],
    [['--prefix', '/v2/', '--distribution-id', DISTRIBUTION, '--timeout', 'soon'], /expected a positive number of seconds, got "soon"/],
    [['--prefix', '/v2/', '--distribution-id', DISTRIBUTION, '--colour'], /unknown option '--colour'/],
  ])('exits 2 on a usage error (%j) without calling AWS', async (args, message) => {
    const result = await cli(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(cloudFront.requests).toHaveLength(0);
    expect(cloudFormation.requests).toHaveLength(0);
  });

  it('still prints a JSON document for option errors with --json', async () => {
    const result = await cli('--prefix', '/v2/', '--distribution-id', DISTRIBUTION, '--colour', '--json');
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: { type: 'usage', code: 'commander.unknownOption', message: "unknown option '--colour'" },
    });
  });

  it('exits 3 with a hint when no region is configured', async () => {
    const result = await run(
      process.execPath,
      ['dist/bin/image-cdn.js', 'invalidate', '--prefix', '/v2/', '--distribution-id', DISTRIBUTION],
      awsEnvironment({ AWS_REGION: undefined }),
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/AWS error: Region is missing.*set AWS_REGION/);
    expect(cloudFront.requests).toHaveLength(0);
  });

  it('exits 0 for --help and documents the exit codes', async () => {
    const result = await cli('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Exit codes: 0 done, 1 unexpected error, 2 usage error, 3 AWS error, 4 timed out');
  });
});

describe('image-cdn invalidate against endpoints that never answer', () => {
  let staller: StallingServer;
  beforeAll(async () => {
    staller = await startStallingServer();
  });
  afterAll(async () => {
    await staller?.close();
  });

  const limits = { ...DEFAULT_AWS_API_LIMITS, requestTimeoutMs: 400, maxAttempts: 2 };
  const timedRun = async (args: string[], endpoints: NodeJS.ProcessEnv) => {
    const started = Date.now();
    const result = await run(
      process.execPath,
      ['dist/bin/image-cdn.js', 'invalidate', ...args, '--request-timeout', '400', '--max-attempts', '2'],
      awsEnvironment(endpoints),
    );
    return { ...result, ms: Date.now() - started };
  };

  it('exits 4 naming CloudFront, its endpoint and the timeout', async () => {
    const result = await timedRun(['--prefix', '/v2/', '--distribution-id', DISTRIBUTION], { AWS_ENDPOINT_URL_CLOUDFRONT: staller.url });
    expect(result.code).toBe(4);
    expect(result.stderr.trimEnd().split('\n').at(-1)).toBe(
      `image-cdn invalidate: timed out: CloudFront at ${staller.url} did not answer within 400 ms (request timeout); 2 attempts`,
    );
    expect(result.ms).toBeGreaterThanOrEqual(2 * 400);
    expect(result.ms).toBeLessThan(worstCaseCallMs(limits) + 3_000);
  });

  it('with --stack, exits 4 naming CloudFormation, and says so in --json', async () => {
    const result = await timedRun(['--prefix', '/v2/', '--stack', 'ImagesStack', '--json'], { AWS_ENDPOINT_URL_CLOUDFORMATION: staller.url });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`timed out: CloudFormation at ${staller.url} did not answer within 400 ms (request timeout); 2 attempts`);
    expect(JSON.parse(result.stdout).error).toMatchObject({ type: 'timeout', code: 'request_timeout' });
    expect(cloudFront.requests).toHaveLength(0);
    expect(result.ms).toBeGreaterThanOrEqual(2 * 400);
    expect(result.ms).toBeLessThan(worstCaseCallMs(limits) + 3_000);
  });
});
