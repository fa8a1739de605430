/**
 * `ImageCdn.grantPut` allows what `image-cdn put` really sends. The upload code runs against the
 * S3-protocol test server with an injected client whose middleware records every command (and
 * S3's answer); each command is mapped to the IAM action S3 authorises it with, and the policy
 * grantPut synthesises is evaluated for each, on the very key that was uploaded.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageCdn } from '../../lib/cdk/index.js';
import { putImage, putImages } from '../../lib/upload/index.js';
import { type AccessRequest, type Intrinsics, isAllowed, type PolicyStatement, resolveIntrinsic } from '../support/iam-evaluate.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';

const BUCKET = 'grant-put-test';
const SAMPLE = fileURLToPath(new URL('../../samples/fossa.jpg', import.meta.url));
const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/example/image-origin:1.0.0');

/** The IAM action S3 authorises each command with (Service Authorization Reference for Amazon S3). */
const IAM_ACTION: Readonly<Record<string, string>> = {
  HeadObject: 's3:GetObject',
  GetObject: 's3:GetObject',
  PutObject: 's3:PutObject',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  PutObjectTagging: 's3:PutObjectTagging',
};

interface SentCommand {
  readonly command: string;
  readonly key: string;
  status?: number;
}

/** Records every command the client sends, and fails the UploadPart numbered `failPart.next` once. */
function recordCommands(client: S3Client, failPart: { next?: number }): SentCommand[] {
  const sent: SentCommand[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string; PartNumber?: number };
      const entry: SentCommand = { command: context.commandName!.replace(/Command$/, ''), key: input.Key ?? '' };
      sent.push(entry);
      if (entry.command === 'UploadPart' && input.PartNumber === failPart.next) {
        failPart.next = undefined;
        entry.status = 500;
        throw Object.assign(new Error('injected part failure'), { $metadata: { httpStatusCode: 500 } });
      }
      try {
        const result = await next(args);
        entry.status = (result.response as { statusCode?: number }).statusCode;
        return result;
      } catch (error) {
        entry.status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        throw error;
      }
    },
    { step: 'initialize', name: 'recordS3Commands' },
  );
  return sent;
}

/** What S3 checks for one command: its action on the object, and ListBucket when the answer is "no such key". */
function requestsFor(sent: SentCommand): AccessRequest[] {
  const action = IAM_ACTION[sent.command];
  if (action === undefined) throw new Error(`put sent ${sent.command}, which this test does not map to an IAM action`);
  const secure = { 'aws:SecureTransport': 'true', 's3:TlsVersion': '1.3' };
  const requests: AccessRequest[] = [{ action, resource: `arn:aws:s3:::${BUCKET}/${sent.key}`, context: secure }];
  // S3 answers 404 (rather than 403) for a missing key only to a caller who may list it; the key
  // stands as s3:prefix, the same reading the origin's task role grant (ListBucket on its prefix) relies on.
  if (sent.status === 404) {
    requests.push({ action: 's3:ListBucket', resource: `arn:aws:s3:::${BUCKET}`, context: { ...secure, 's3:prefix': sent.key } });
  }
  return requests;
}

/** A PNG over lib-storage's 8 MiB part size: random pixels do not compress. */
async function largePng(): Promise<Buffer> {
  const bytes = await sharp(randomBytes(2000 * 2000 * 3), { raw: { width: 2000, height: 2000, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  expect(bytes.length).toBeGreaterThan(8 * 1024 * 1024);
  return bytes;
}

let server: S3TestServer;
let sent: SentCommand[];

beforeAll(async () => {
  server = await startS3Server({ buckets: [BUCKET] });
  const client = server.client({ maxAttempts: 1 });
  const failPart: { next?: number } = {};
  sent = recordCommands(client, failPart);
  const large = await largePng();

  // A multipart upload whose second part fails: lib-storage aborts it, and put reports the error.
  failPart.next = 2;
  await expect(putImage({ name: 'large.png', bytes: large }, { bucket: BUCKET, client })).rejects.toThrow();
  // The same file again (multipart to completion), a small file, and the small file once more (HEAD only).
  await putImage({ name: 'large.png', bytes: large }, { bucket: BUCKET, client });
  await putImages([SAMPLE], { bucket: BUCKET, client });
  await putImages([SAMPLE], { bucket: BUCKET, client });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/** Synthesises `grant` onto a fresh role; returns its identity statements, the bucket policy's Deny statements, and the ARNs to resolve. */
function synthesise(grant: (stack: Stack, role: iam.Role) => void) {
  const stack = new Stack(new App(), 'Grants');
  const role = new iam.Role(stack, 'Uploader', { assumedBy: new iam.AccountRootPrincipal() });
  grant(stack, role);
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
  const resources = Object.entries(template.Resources);
  const roleId = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
  expect(template.Resources[roleId]!.Properties.ManagedPolicyArns).toBeUndefined();
  const identity = resources
    .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((ref: { Ref: string }) => ref.Ref === roleId))
    .flatMap(([, r]) => r.Properties.PolicyDocument.Statement as PolicyStatement[]);
  const bucketDenies = resources
    .filter(([, r]) => r.Type === 'AWS::S3::BucketPolicy')
    .flatMap(([, r]) => (r.Properties.PolicyDocument.Statement as PolicyStatement[]).filter((s) => s.Effect === 'Deny'));
  const intrinsics: Record<string, string> = { 'AWS::Partition': 'aws' };
  for (const [id, r] of resources) {
    if (r.Type === 'AWS::S3::Bucket') Object.assign(intrinsics, { [id]: BUCKET, [`${id}.Arn`]: `arn:aws:s3:::${BUCKET}` });
    if (r.Type === 'AWS::KMS::Key') intrinsics[`${id}.Arn`] = 'arn:aws:kms:us-east-1:111122223333:key/test';
  }
  return { statements: [...identity, ...bucketDenies], identity, intrinsics: intrinsics as Intrinsics };
}

const denied = (statements: readonly PolicyStatement[], intrinsics: Intrinsics) =>
  sent.flatMap(requestsFor).filter((request) => !isAllowed(statements, request, intrinsics));

describe('what image-cdn put sends', () => {
  it('includes HeadObject (404 and 200), PutObject, and a multipart upload both completed and aborted', () => {
    const commands = new Set(sent.map((s) => s.command));
    for (const command of ['HeadObject', 'PutObject', 'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'AbortMultipartUpload']) {
      expect(commands, command).toContain(command);
    }
    expect(
      sent
        .filter((s) => s.command === 'HeadObject')
        .map((s) => s.status)
        .sort(),
    ).toEqual([200, 404, 404, 404]);
    for (const command of sent) expect(command.key).toMatch(/^uploads\/[0-9a-f]{64}\.(png|jpg)$/);
  });
});

describe('ImageCdn.grantPut', () => {
  it('allows every command put sent, on the key it was sent for, past the bucket policy too', () => {
    const { statements, intrinsics } = synthesise((stack, role) => new ImageCdn(stack, 'Images', { image, sourcePrefix: 'uploads/' }).grantPut(role));
    expect(denied(statements, intrinsics)).toEqual([]);
  });

  it('with the whole bucket as sources (no prefix) allows the same', () => {
    const { statements, intrinsics } = synthesise((stack, role) => new ImageCdn(stack, 'Images', { image }).grantPut(role));
    expect(denied(statements, intrinsics)).toEqual([]);
  });

  it('allows nothing outside the source prefix', () => {
    const { statements, intrinsics } = synthesise((stack, role) => new ImageCdn(stack, 'Images', { image, sourcePrefix: 'media/' }).grantPut(role));
    const refused = denied(statements, intrinsics);
    expect(refused.length).toBe(sent.flatMap(requestsFor).length);
    expect(isAllowed(statements, { action: 's3:PutObject', resource: `arn:aws:s3:::${BUCKET}/media/a.png` }, intrinsics)).toBe(true);
    expect(isAllowed(statements, { action: 's3:ListBucket', resource: `arn:aws:s3:::${BUCKET}`, context: { 's3:prefix': 'uploads/' } }, intrinsics)).toBe(
      false,
    );
  });

  it('gives exactly the documented actions, and nothing to delete, tag or change ACLs', () => {
    const { identity } = synthesise((stack, role) => new ImageCdn(stack, 'Images', { image, sourcePrefix: 'uploads/' }).grantPut(role));
    const actions = identity.flatMap((s) => [s.Action ?? []].flat()).sort();
    expect(actions).toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(identity.every((s) => s.Effect === 'Allow' && s.NotAction === undefined && s.NotResource === undefined)).toBe(true);
  });

  it('with a KMS-encrypted bucket also allows GenerateDataKey and Decrypt on its key (multipart reads the parts back)', () => {
    const { identity, intrinsics } = synthesise((stack, role) => {
      const bucket = new s3.Bucket(stack, 'Sources', { encryption: s3.BucketEncryption.KMS, encryptionKey: new kms.Key(stack, 'Key') });
      new ImageCdn(stack, 'Images', { image, bucket, sourcePrefix: 'uploads/' }).grantPut(role);
    });
    const key = 'arn:aws:kms:us-east-1:111122223333:key/test';
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      expect(isAllowed(identity, { action, resource: key }, intrinsics), action).toBe(true);
    }
    expect(isAllowed(identity, { action: 'kms:ScheduleKeyDeletion', resource: key }, intrinsics)).toBe(false);
    expect(identity.some((s) => [s.Resource].flat().some((r) => resolveIntrinsic(r, intrinsics) === key))).toBe(true);
  });

  it('is what the old grant (aws-cdk-lib bucket.grantPut) lacked: this check refuses it', () => {
    const { statements, intrinsics } = synthesise((stack, role) => {
      new ImageCdn(stack, 'Images', { image, sourcePrefix: 'uploads/' }).bucket.grantPut(role, 'uploads/*');
    });
    const refused = new Set(denied(statements, intrinsics).map((request) => request.action));
    expect([...refused].sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
  });
});
