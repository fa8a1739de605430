/**
 * Signed URLs under the Lambda origin: the function gets the secret's ARN
 * (IMAGE_CDN_SIGNING_KEYS_SECRET), never the keys, and reads the keys with the AWS SDK once per
 * instance, at init. Here the bundled handler runs in a process of its own against a local
 * Secrets Manager endpoint (AWS_ENDPOINT_URL_SECRETS_MANAGER) that answers GetSecretValue and
 * records what it was asked.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPath } from '../../../origin/src/signing/native.js';
import { REPO, SAMPLES } from '../../support/origin.js';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:image-cdn/signing-keys-AbCdEf';
const KEYS = ['lambda-signing-key-0123456789', 'older-signing-key-9876543210'];

interface SecretsCall {
  target: string | undefined;
  authorization: string | undefined;
  body: { SecretId?: string };
}
const calls: SecretsCall[] = [];
let secretsManager: http.Server;
let endpoint: string;

beforeAll(async () => {
  secretsManager = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      calls.push({
        target: request.headers['x-amz-target'] as string | undefined,
        authorization: request.headers.authorization,
        body: JSON.parse(body || '{}'),
      });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(
        JSON.stringify({ ARN: SECRET_ARN, Name: 'image-cdn/signing-keys', SecretString: `${KEYS.join(',')}\n`, VersionId: 'v1', CreatedDate: 1734469829 }),
      );
    });
  });
  secretsManager.listen(0, '127.0.0.1');
  await once(secretsManager, 'listening');
  endpoint = `http://127.0.0.1:${(secretsManager.address() as AddressInfo).port}`;
});

afterAll(() => {
  secretsManager?.close();
});

const sign = (target: string, key: string) => {
  const signed = signPath(target, { key });
  if (!signed.ok) throw signed.error;
  return signed.value;
};

describe('the Lambda origin with signing', () => {
  it('reads the keys from Secrets Manager once, at init, and verifies signatures with them', async () => {
    const target = '/cdn-cgi/image/width=64,format=webp/fossa.jpg';
    const requests = [{ target: sign(target, KEYS[0]!) }, { target }, { target: sign(target, 'a-key-that-is-not-in-the-secret') }];
    const { stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', path.join(REPO, 'test', 'support', 'lambda-child.ts'), JSON.stringify(requests)],
      {
        cwd: REPO,
        env: {
          PATH: process.env.PATH ?? '',
          IMAGE_CDN_FILE_ROOT: SAMPLES,
          IMAGE_CDN_ACCESS_LOG: 'false',
          IMAGE_CDN_SIGNING: 'required',
          IMAGE_CDN_SIGNING_KEYS_SECRET: SECRET_ARN,
          AWS_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
          AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
        },
      },
    );
    const answers = JSON.parse(stderr.trim().split('\n').at(-1)!) as Array<{ status: number; headers: Record<string, string> }>;
    expect(answers.map((answer) => [answer.status, answer.headers['x-image-cdn-error']])).toEqual([
      [200, undefined],
      [401, 'invalid_signature'],
      [401, 'invalid_signature'],
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ target: 'secretsmanager.GetSecretValue', body: { SecretId: SECRET_ARN } });
    expect(calls[0]!.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request/);
  });
});
