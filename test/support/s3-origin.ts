import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { OriginServer } from '../../origin/src/server.js';
import { startTestOrigin, type ConfigOverrides } from './origin.js';
import { startS3Server, useS3Environment, type S3TestServer } from './s3-server.js';

export const S3_ORIGIN_BUCKET = 'images';

/** A real origin with `/uploads/` mounted on `uploads/` of a bucket in an S3-protocol server started for it. */
export interface S3Origin {
  readonly s3: S3TestServer;
  readonly origin: OriginServer;
  /** A client of the bucket's server, for what an uploader or operator does. */
  readonly client: S3Client;
  /** Stores an object in the bucket, as an uploader would. @default contentType 'image/jpeg' */
  put(key: string, body: Buffer, contentType?: string): Promise<unknown>;
  /** Stops both servers and puts the AWS environment back. */
  close(): Promise<void>;
}

export async function startS3Origin(overrides: ConfigOverrides = {}): Promise<S3Origin> {
  const s3 = await startS3Server({ buckets: [S3_ORIGIN_BUCKET] });
  const client = s3.client();
  const restoreEnv = useS3Environment(s3);
  const origin = await startTestOrigin({
    mounts: [{ prefix: '/uploads/', source: { type: 's3', bucket: S3_ORIGIN_BUCKET, prefix: 'uploads/', forcePathStyle: true } }],
    ...overrides,
  });
  return {
    s3,
    origin,
    client,
    put: (key, body, contentType = 'image/jpeg') =>
      client.send(new PutObjectCommand({ Bucket: S3_ORIGIN_BUCKET, Key: key, Body: body, ContentType: contentType })),
    close: async () => {
      await origin.close();
      await s3.close();
      restoreEnv();
    },
  };
}
