import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, type IConstruct, type IDependable } from 'constructs';
import { acknowledge } from './nag.js';

/** The security group CloudFront gives the network interfaces of every VPC origin in a VPC. */
export const VPC_ORIGINS_SECURITY_GROUP_NAME = 'CloudFront-VPCOrigins-Service-SG';

export interface CloudFrontIngressProps {
  /** The VPC the VPC origin's network interfaces live in. */
  readonly vpc: ec2.IVpc;
  /** What to open: the internal load balancer (or anything with connections). */
  readonly target: ec2.IConnectable;
  /** The listener port to open. */
  readonly port: number;
  /**
   * The resource after which CloudFront's VPC-origin security group exists (the
   * `cloudfront.VpcOrigin`, or the distribution that uses it).
   */
  readonly after: IDependable;
  /**
   * Allow CloudFront's origin-facing managed prefix list
   * (`com.amazonaws.global.cloudfront.origin-facing`, one id per region) instead of the
   * VPC-origin security group. Needs no lookup at deploy time, but the list counts as 55 rules
   * against the security group's rule quota and covers all of CloudFront, not only this VPC's
   * VPC origins.
   * @default - allow only `CloudFront-VPCOrigins-Service-SG` of this VPC, found at deploy time
   */
  readonly prefixListId?: string;
}

/**
 * Lets CloudFront's VPC origin reach an internal target, and nothing else. By default the
 * target admits only `CloudFront-VPCOrigins-Service-SG`, the security group CloudFront
 * attaches to the network interfaces it places in this VPC for VPC origins. CloudFormation does
 * not return that group's id, so a custom resource looks it up (ec2:DescribeSecurityGroups)
 * once the VPC origin exists.
 */
export class CloudFrontIngress extends Construct {
  /** The peer the target now admits. */
  readonly peer: ec2.IPeer;

  constructor(scope: Construct, id: string, props: CloudFrontIngressProps) {
    super(scope, id);
    const port = ec2.Port.tcp(props.port);
    if (props.prefixListId !== undefined) {
      const peer = ec2.Peer.prefixList(props.prefixListId);
      props.target.connections.allowFrom(peer, port, 'CloudFront origin-facing servers');
      this.peer = peer;
      return;
    }

    const describe: cr.AwsSdkCall = {
      service: 'EC2',
      action: 'describeSecurityGroups',
      parameters: {
        Filters: [
          { Name: 'vpc-id', Values: [props.vpc.vpcId] },
          { Name: 'group-name', Values: [VPC_ORIGINS_SECURITY_GROUP_NAME] },
        ],
      },
      physicalResourceId: cr.PhysicalResourceId.fromResponse('SecurityGroups.0.GroupId'),
      outputPaths: ['SecurityGroups.0.GroupId'],
    };
    const lookup = new cr.AwsCustomResource(this, 'FindVpcOriginSecurityGroup', {
      onCreate: describe,
      onUpdate: describe,
      policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({ actions: ['ec2:DescribeSecurityGroups'], resources: ['*'] })]),
      installLatestAwsSdk: false,
    });
    lookup.node.addDependency(props.after);
    const group = ec2.SecurityGroup.fromSecurityGroupId(this, 'VpcOriginSecurityGroup', lookup.getResponseField('SecurityGroups.0.GroupId'), {
      mutable: false,
    });
    props.target.connections.allowFrom(group, port, 'CloudFront VPC origins of this VPC');
    this.peer = group;

    acknowledge(
      lookup,
      'AwsSolutions-IAM5[Resource::*]',
      "ec2:DescribeSecurityGroups supports no resource-level permissions; the call is read-only and filtered to this VPC and CloudFront's VPC-origin group.",
    );
    acknowledgeProviderFunction(this);
  }
}

/** The AwsCustomResource provider is one function per stack; its findings are acknowledged where it lives. */
function acknowledgeProviderFunction(scope: IConstruct): void {
  const provider = Stack.of(scope).node.tryFindChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
  if (!provider) return;
  acknowledge(
    provider,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'The AWS-managed basic execution policy only lets the deploy-time lookup function write its own CloudWatch logs.',
  );
}
