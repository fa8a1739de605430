import { Stack, type StackProps, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ImageCdn, type ImageCdnProps } from './image-cdn.js';
import { ImageCdnValidationError } from './validation.js';

export interface ImageCdnStackProps extends StackProps {
  /**
   * Name of an existing source bucket (same account).
   * @default - a new bucket
   */
  readonly bucketName?: string;
  /**
   * ARN of an ACM certificate in us-east-1 for `imageCdn.domainName`.
   * @default - no custom domain
   */
  readonly certificateArn?: string;
  /**
   * Id of an existing VPC. Looking a VPC up needs a concrete account and region on the stack
   * (`env`) and AWS credentials at synth time.
   * @default - a new VPC
   */
  readonly vpcId?: string;
  /**
   * Signed URLs, with the keys in an existing Secrets Manager secret (same account and region).
   * @default - no signing
   */
  readonly signing?: ImageCdnStackSigning;
  /**
   * Everything else about the image CDN.
   * @default - ImageCdn's defaults
   */
  readonly imageCdn?: Omit<ImageCdnProps, 'bucket' | 'certificate' | 'vpc' | 'signing'>;
}

export interface ImageCdnStackSigning {
  /** Name or complete ARN (with Secrets Manager's six-character suffix) of the secret holding the comma-separated keys. */
  readonly secret: string;
  /**
   * @default 'required'
   */
  readonly mode?: 'required' | 'optional';
  /**
   * Let unsigned variant requests through in `required` mode.
   * @default false
   */
  readonly exemptVariants?: boolean;
}

/** The stack behind `cdk deploy`: one ImageCdn, with existing resources referenced by name. */
export class ImageCdnStack extends Stack {
  readonly imageCdn: ImageCdn;

  constructor(scope: Construct, id: string, props: ImageCdnStackProps = {}) {
    super(scope, id, {
      description: `image-cdn: CloudFront + sharp origin on ${props.imageCdn?.compute?.kind === 'lambda' ? 'AWS Lambda' : 'ECS Fargate'} + S3 sources`,
      ...props,
    });
    const bucket = props.bucketName !== undefined ? s3.Bucket.fromBucketName(this, 'SourceBucket', props.bucketName) : undefined;
    const certificate = props.certificateArn !== undefined ? acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn) : undefined;
    let vpc: ec2.IVpc | undefined;
    if (props.vpcId !== undefined) {
      if (Token.isUnresolved(this.account) || Token.isUnresolved(this.region)) {
        throw new ImageCdnValidationError(
          this,
          `vpcId '${props.vpcId}' needs a VPC lookup, which needs the stack's account and region (set account and region in context, or IMAGE_CDN_ACCOUNT and IMAGE_CDN_REGION)`,
        );
      }
      vpc = ec2.Vpc.fromLookup(this, 'Vpc', { vpcId: props.vpcId });
    }
    if (props.signing?.secret.startsWith('arn:') && !/-[A-Za-z0-9]{6}$/.test(props.signing.secret)) {
      throw new ImageCdnValidationError(
        this,
        `signing secret '${props.signing.secret}' is an ARN without Secrets Manager's six-character suffix; give the complete ARN or the secret's name`,
      );
    }
    const secret =
      props.signing === undefined
        ? undefined
        : props.signing.secret.startsWith('arn:')
          ? secretsmanager.Secret.fromSecretCompleteArn(this, 'SigningKeys', props.signing.secret)
          : secretsmanager.Secret.fromSecretNameV2(this, 'SigningKeys', props.signing.secret);
    this.imageCdn = new ImageCdn(this, 'ImageCdn', {
      ...props.imageCdn,
      ...(secret &&
        props.signing && {
          signing: {
            secret,
            ...(props.signing.mode && { mode: props.signing.mode }),
            ...(props.signing.exemptVariants !== undefined && { exemptVariants: props.signing.exemptVariants }),
          },
        }),
      ...(bucket && { bucket }),
      ...(certificate && { certificate }),
      ...(vpc && { vpc }),
    });
  }
}
