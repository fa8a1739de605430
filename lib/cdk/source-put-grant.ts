import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * What `image-cdn put` (lib/upload) sends, as IAM actions on `<bucket>/<prefix>*`:
 * HeadObject (is the key there already?) needs s3:GetObject; PutObject and the multipart calls
 * (CreateMultipartUpload, UploadPart, CompleteMultipartUpload) need s3:PutObject; the abort that
 * lib-storage sends when a part fails needs s3:AbortMultipartUpload.
 */
export const SOURCE_PUT_OBJECT_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'] as const;

/**
 * Without s3:ListBucket, S3 answers HeadObject on a missing key with 403 rather than 404, and
 * `put` stops there. Listing is limited to the prefix (s3:prefix), as for the origin's task role.
 */
export const SOURCE_PUT_BUCKET_ACTIONS = ['s3:ListBucket'] as const;

/**
 * With an SSE-KMS bucket: GenerateDataKey to write an object, and Decrypt because S3 reads the
 * encrypted parts back to complete a multipart upload.
 */
export const SOURCE_PUT_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;

/** Grants exactly what `image-cdn put` needs under `prefix` of `bucket` (see the action lists above). */
export function grantSourcePut(bucket: s3.IBucket, prefix: string, grantee: iam.IGrantable): iam.Grant {
  // Bucket policy as the fallback for a principal of another account, as aws-cdk-lib's grants do.
  const onBucket = { grantee, resource: bucket };
  const objects = iam.Grant.addToPrincipalOrResource({
    ...onBucket,
    actions: [...SOURCE_PUT_OBJECT_ACTIONS],
    resourceArns: [bucket.arnForObjects(`${prefix}*`)],
  });
  const listing = iam.Grant.addToPrincipalOrResource({
    ...onBucket,
    actions: [...SOURCE_PUT_BUCKET_ACTIONS],
    resourceArns: [bucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': `${prefix}*` } },
  });
  const grant = objects.combine(listing);
  const key = bucket.encryptionKey?.grant(grantee, ...SOURCE_PUT_KEY_ACTIONS);
  return key ? grant.combine(key) : grant;
}
