import { ArnFormat, CfnOutput, Stack, type StackProps, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { ImageCdn, type ImageCdnProps } from './image-cdn.js';
import { ImageCdnValidationError, isEmailAddress, isSnsTopicArn } from './validation.js';

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
   * ARN of an existing SNS topic (same account and region) that every alarm notifies on ALARM and
   * OK. Its policy must let CloudWatch publish to it; a topic's default policy does.
   * @default - no topic, unless `alarmEmail`
   */
  readonly alarmTopicArn?: string;
  /**
   * An email address every alarm notifies on ALARM and OK: a new SNS topic that accepts only
   * TLS publishing and lets this account's alarms publish, with an email subscription that AWS
   * asks the address to confirm. Not with `alarmTopicArn`.
   * @default - no topic, unless `alarmTopicArn`
   */
  readonly alarmEmail?: string;
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
  /** The topic the alarms notify: imported from `alarmTopicArn`, or created for `alarmEmail`. */
  readonly alarmTopic?: sns.ITopic;

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
    const monitoring = props.imageCdn?.monitoring;
    this.alarmTopic = this.alarmTopicOf(props);
    this.imageCdn = new ImageCdn(this, 'ImageCdn', {
      ...props.imageCdn,
      ...(this.alarmTopic && monitoring !== false && { monitoring: { ...monitoring, alarmTopic: this.alarmTopic } }),
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

  /** The topic of `alarmTopicArn` or `alarmEmail`, once the pair is checked against each other and the monitoring. */
  private alarmTopicOf(props: ImageCdnStackProps): sns.ITopic | undefined {
    const { alarmTopicArn: arn, alarmEmail: email } = props;
    if (arn === undefined && email === undefined) return undefined;
    const given = arn !== undefined ? `alarmTopicArn '${arn}'` : `alarmEmail '${email}'`;
    if (arn !== undefined && email !== undefined) {
      throw new ImageCdnValidationError(this, `alarmTopicArn '${arn}' and alarmEmail '${email}' both say where the alarms go; give one of them`);
    }
    const monitoring = props.imageCdn?.monitoring;
    if (monitoring === false || monitoring?.alarms === false) {
      throw new ImageCdnValidationError(this, `${given} has no alarms to notify: imageCdn.monitoring${monitoring === false ? '' : '.alarms'} is false`);
    }
    if (monitoring?.alarmTopic !== undefined) {
      throw new ImageCdnValidationError(this, `${given} and imageCdn.monitoring.alarmTopic both say where the alarms go; give one of them`);
    }
    if (arn !== undefined) {
      if (!Token.isUnresolved(arn) && !isSnsTopicArn(arn)) {
        throw new ImageCdnValidationError(this, `alarmTopicArn '${arn}' is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic name>)`);
      }
      return sns.Topic.fromTopicArn(this, 'AlarmTopic', arn);
    }
    return email === undefined ? undefined : this.createEmailTopic(email);
  }

  /** A topic only TLS publishers and this account's alarms can publish to, with `email` subscribed. */
  private createEmailTopic(email: string): sns.Topic {
    if (!Token.isUnresolved(email) && !isEmailAddress(email)) {
      throw new ImageCdnValidationError(this, `alarmEmail '${email}' is not an email address`);
    }
    // The display name is the sender of the emails (at most 100 characters).
    const topic = new sns.Topic(this, 'AlarmTopic', { displayName: `${this.stackName.slice(0, 93)} alarms`, enforceSSL: true });
    // A topic policy replaces SNS's default one, which is what lets the account's alarms publish.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisAccountsAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': this.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
          },
          StringEquals: { 'aws:SourceAccount': this.account },
        },
      }),
    );
    topic.addSubscription(new subscriptions.EmailSubscription(email));
    new CfnOutput(this, 'AlarmTopicArn', { value: topic.topicArn, description: 'SNS topic the alarms notify (subscribe more endpoints here)' });
    return topic;
  }
}
