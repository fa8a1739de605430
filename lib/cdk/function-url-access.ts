import { Aws, Names, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { ImageOriginFunction } from './image-origin-function.js';
import { ORIGIN_READ_TIMEOUT_MARGIN } from './validation.js';

/**
 * CloudFront's way to the origin function: an origin access control of origin type `lambda` that
 * signs every origin request (SigV4), so the function URL (AWS_IAM auth) answers CloudFront and no
 * one else. aws-cdk-lib adds the function's `lambda:InvokeFunctionUrl` permission for this
 * distribution only (its SourceArn). CloudFront waits the origin's deadline and a margin, so the
 * origin's own 504 reaches the viewer.
 */
export function functionUrlOrigin(scope: Construct, origin: ImageOriginFunction, originShieldRegion: string | undefined): cloudfront.IOrigin {
  const accessControl = new cloudfront.FunctionUrlOriginAccessControl(scope, 'FunctionUrlAccess', {
    // OAC names are account-wide, like VPC origin names: the region keeps a stack deployable twice.
    originAccessControlName: `${Names.uniqueResourceName(scope, { maxLength: 40 })}-${Stack.of(scope).region}`,
    signing: cloudfront.Signing.SIGV4_ALWAYS,
  });
  return origins.FunctionUrlOrigin.withOriginAccessControl(origin.functionUrl, {
    originAccessControl: accessControl,
    readTimeout: origin.requestTimeout.plus(ORIGIN_READ_TIMEOUT_MARGIN),
    ...(originShieldRegion !== undefined && { originShieldRegion }),
  });
}

/**
 * Function URLs created since October 2025 also need `lambda:InvokeFunction` (restricted to calls
 * through the URL) for their caller, besides `lambda:InvokeFunctionUrl`. Newer aws-cdk-lib releases
 * add it with the origin access control; with older ones (this package accepts 2.269 and later)
 * this adds it, for this distribution only.
 */
export function allowInvocationThroughUrl(distribution: cloudfront.Distribution, fn: lambda.IFunction): void {
  const added = distribution.node.findAll().some((child) => child instanceof lambda.CfnPermission && child.action === 'lambda:InvokeFunction');
  if (added) return;
  new lambda.CfnPermission(distribution, 'InvokeFunctionThroughUrl', {
    action: 'lambda:InvokeFunction',
    functionName: fn.functionArn,
    principal: 'cloudfront.amazonaws.com',
    sourceArn: `arn:${Aws.PARTITION}:cloudfront::${Aws.ACCOUNT_ID}:distribution/${distribution.distributionId}`,
    invokedViaFunctionUrl: true,
  });
}
