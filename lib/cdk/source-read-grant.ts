import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { acknowledge, wildcardResourceFinding } from './nag.js';

/**
 * What the origin may do with its sources, whichever compute runs it: GetObject under the prefix,
 * and ListBucket on that prefix only, so a missing key is a 404 rather than a 403; Decrypt when the
 * bucket has a KMS key. Nothing else.
 */
export function grantSourceRead(role: iam.IRole, bucket: s3.IBucket, sourcePrefix: string): void {
  const objects = bucket.arnForObjects(`${sourcePrefix}*`);
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': `${sourcePrefix}*` } },
    }),
  );
  bucket.encryptionKey?.grantDecrypt(role);
  acknowledge(
    role,
    wildcardResourceFinding(role, objects),
    'Sources are content-addressed objects whose keys are not known at deploy time; read access is limited to GetObject under the configured source prefix of this one bucket.',
  );
}
