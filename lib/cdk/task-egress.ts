import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';

/**
 * A security group for the origin's tasks that lets out only what they need:
 * - TCP 443 to any IPv4 address: S3 (through the VPC's S3 gateway endpoint where it has one: the
 *   endpoint's route sends S3 traffic there, and these rules still apply to it), HTTP sources,
 *   and what Fargate itself does over the task's network interface on the same port: ECR image
 *   pulls (its API, and the image layers from S3), CloudWatch Logs, and Secrets Manager for the
 *   signing keys. Those are regional public endpoints, so "anywhere" is the narrowest CIDR that
 *   keeps image pulls and logs working without interface endpoints.
 * - UDP and TCP 53 to the VPC's CIDR, where the Amazon-provided resolver (base + 2) and any
 *   resolver in the VPC live. A VPC imported without its CIDR gets port 53 to any IPv4 address.
 * Nothing else: no plain HTTP, no other ports.
 */
export function taskSecurityGroup(scope: Construct, id: string, vpc: ec2.IVpc): ec2.SecurityGroup {
  const group = new ec2.SecurityGroup(scope, id, {
    vpc,
    description: 'image-cdn origin tasks: inbound from the load balancer; outbound HTTPS and DNS only',
    allowAllOutbound: false,
  });
  group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS: S3, HTTP sources, ECR image pulls, CloudWatch Logs, Secrets Manager');
  const cidr = vpcCidr(vpc);
  const resolver = cidr === undefined ? ec2.Peer.anyIpv4() : ec2.Peer.ipv4(cidr);
  group.addEgressRule(resolver, ec2.Port.udp(53), 'DNS to the VPC resolver');
  group.addEgressRule(resolver, ec2.Port.tcp(53), 'DNS over TCP to the VPC resolver');
  return group;
}

/** The VPC's CIDR, or undefined for a VPC imported without one (whose getter throws). */
function vpcCidr(vpc: ec2.IVpc): string | undefined {
  try {
    return vpc.vpcCidrBlock;
  } catch {
    return undefined;
  }
}
