import { CfnOutput, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AcceptAwareCachePolicy } from './accept-aware-cache-policy.js';
import { DEFAULT_CACHE_TAG_HEADER } from '../../origin/src/cache-tag.js';
import { envVar } from '../../origin/src/settings/registry.js';
import { CloudFrontIngress } from './cloudfront-ingress.js';
import { allowInvocationThroughUrl, functionUrlOrigin } from './function-url-access.js';
import { ImageOriginFunction } from './image-origin-function.js';
import { type ImageOriginOptions, ImageOriginService, ORIGIN_LISTENER_PORT } from './image-origin-service.js';
import { ImageResponseHeaders, type ImageResponseHeadersOptions } from './image-response-headers.js';
import { ImageCdnMonitoring, type ImageCdnMonitoringOptions } from './monitoring/index.js';
import { acknowledge } from './nag.js';
import { FargateCompute, fargateSettings, LambdaCompute, OriginCompute, type OriginComputeKind, rejectFargateSettings } from './origin-compute.js';
import { grantSourcePut } from './source-put-grant.js';
import { type ImageUrlOptions, resolveUrlOptions } from './url-options.js';
import { ImageCdnValidationError, ORIGIN_READ_TIMEOUT_MARGIN, validateDomain, validateOriginShieldRegion } from './validation.js';

/** How long CloudFront keeps an idle connection to the load balancer; shorter than its idle timeout, so CloudFront closes first. */
const ORIGIN_KEEPALIVE_TIMEOUT = Duration.seconds(30);

/** Where every bucket this construct creates starts: no public access, TLS 1.2 or later only, encrypted at rest. */
const PRIVATE_BUCKET: s3.BucketProps = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  // The access-logs bucket can have nothing else: ELB access logs support only SSE-S3.
  encryption: s3.BucketEncryption.S3_MANAGED,
};

export interface ImageCdnProps extends ImageOriginOptions, ImageUrlOptions, ImageResponseHeadersOptions {
  /**
   * Where the origin runs: `OriginCompute.fargate()` (tasks behind an internal load balancer) or
   * `OriginCompute.lambda()` (a function behind a streaming function URL, nothing running while
   * idle). The Fargate-only props (`vpc`, `cluster`, `image`, `cpuArchitecture`, `cpu`,
   * `memoryLimitMiB`, `minTasks`, `maxTasks`, the scaling targets, `loadBalancerIdleTimeout`,
   * `readonlyRootFilesystem`, `cloudFrontPrefixListId`) are errors under Lambda.
   * @default OriginCompute.fargate()
   */
  readonly compute?: OriginCompute;
  /**
   * An existing bucket to serve sources from. The origin gets read access to `sourcePrefix`
   * in it and nothing else; its policy and encryption are left as they are.
   * @default - a new bucket: public access blocked, TLS-only, S3-managed encryption, versioned
   */
  readonly bucket?: s3.IBucket;
  /**
   * What happens to a new source bucket when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly bucketRemovalPolicy?: RemovalPolicy;
  /**
   * Per-source purges: the origin tags every response with its source (in the
   * `DEFAULT_CACHE_TAG_HEADER` header) and the distribution keeps those tags
   * (`CacheTagConfig`), so `image-cdn invalidate --source` purges every transform of one source.
   * @default true
   */
  readonly cacheTags?: boolean;
  /**
   * Custom domain for the distribution; requires `certificate`.
   * @default - the distribution's *.cloudfront.net name only
   */
  readonly domainName?: string;
  /**
   * ACM certificate in us-east-1 covering `domainName`; the viewer policy is then TLSv1.2_2021.
   * @default - none
   */
  readonly certificate?: acm.ICertificate;
  /**
   * Region for CloudFront Origin Shield, ideally the origin's region.
   * @default - no Origin Shield
   */
  readonly originShieldRegion?: string;
  /**
   * Write access logs (CloudFront standard logs, S3 server access logs of a new source bucket,
   * and load balancer logs where the stack has a concrete region).
   * @default true
   */
  readonly accessLogs?: boolean;
  /**
   * Bucket for the access logs; it must allow ACLs (CloudFront's legacy standard logging needs
   * them; docs/deployment.md says why not v2 logging).
   * @default - a new bucket with 90-day expiry, when `accessLogs` is on
   */
  readonly accessLogsBucket?: s3.IBucket;
  /**
   * Query string parameters in the cache key besides those the grammars and signing need (with
   * those, at most 10); ignored with the `imgix` grammar, which keys on the whole query string.
   * @default - none
   */
  readonly queryStringAllowList?: readonly string[];
  /**
   * Edge locations to serve from.
   * @default cloudfront.PriceClass.PRICE_CLASS_ALL
   */
  readonly priceClass?: cloudfront.PriceClass;
  /**
   * ARN of an AWS WAF web ACL (CLOUDFRONT scope) to attach.
   * @default - no web ACL
   */
  readonly webAclId?: string;
  /**
   * Admit CloudFront's origin-facing managed prefix list (by id) at the load balancer instead of
   * the VPC-origin security group that is looked up at deploy time.
   * @default - admit only CloudFront's VPC-origin security group of this VPC
   */
  readonly cloudFrontPrefixListId?: string;
  /**
   * A CloudWatch dashboard, five alarms (each tunable, with an optional SNS topic for their
   * actions), the distribution's additional metrics and saved access-log queries; the origin writes
   * its metrics as EMF lines either way. docs/operations.md says what each shows and what to do.
   * @default - all of them, with their defaults
   */
  readonly monitoring?: ImageCdnMonitoringOptions | false;
}

/**
 * A complete image CDN: CloudFront (HTTP/2 and HTTP/3, Accept-aware cache key, viewer-request
 * function, cache tags, CORS and security response headers) in front of the sharp origin reading
 * sources from S3. The origin runs on ECS Fargate behind an internal load balancer reached only
 * through a CloudFront VPC origin, or (`compute: OriginCompute.lambda()`) in a Lambda function
 * behind a streaming function URL reached only through an origin access control. The URL grammars,
 * variants and signed URLs configure the origin, the function and the cache key alike.
 */
export class ImageCdn extends Construct {
  readonly bucket: s3.IBucket;
  readonly distribution: cloudfront.Distribution;
  /**
   * Where the origin runs. `'fargate'`: `originService`, `service`, `loadBalancer` and `vpcOrigin`
   * are set. `'lambda'`: `lambdaOrigin` and `originFunction` are set.
   */
  readonly compute: OriginComputeKind;
  /** The Fargate origin (service, load balancer, VPC, logs), under `OriginCompute.fargate()`. */
  readonly originService?: ImageOriginService;
  readonly service?: ecs.FargateService;
  readonly loadBalancer?: elbv2.ApplicationLoadBalancer;
  readonly vpcOrigin?: cloudfront.VpcOrigin;
  /** The Lambda origin (function, function URL, logs, derived deadline), under `OriginCompute.lambda()`. */
  readonly lambdaOrigin?: ImageOriginFunction;
  readonly originFunction?: lambda.Function;
  /** Where the origin logs (the JSON access log, errors and, under Lambda, its EMF metrics), whichever the compute. */
  readonly originLogGroup: logs.ILogGroup;
  /** The origin's own deadline for one request, whichever the compute. */
  readonly requestTimeout: Duration;
  readonly cachePolicy: cloudfront.CachePolicy;
  readonly edgeFunction: cloudfront.Function;
  /** The response headers policy on the distribution's behaviour, unless every header is switched off. */
  readonly responseHeadersPolicy?: cloudfront.IResponseHeadersPolicy;
  readonly accessLogsBucket?: s3.IBucket;
  readonly sourcePrefix: string;
  /** The response header carrying cache tags, when `cacheTags` is on. */
  readonly cacheTagHeader?: string;
  /** The dashboard, alarms and saved queries, unless `monitoring: false`. */
  readonly monitoring?: ImageCdnMonitoring;

  constructor(scope: Construct, id: string, props: ImageCdnProps = {}) {
    super(scope, id);
    const compute = props.compute ?? OriginCompute.fargate();
    this.compute = compute.kind;
    validateDomain(this, props.domainName, props.certificate?.certificateArn);
    if (props.originShieldRegion !== undefined) validateOriginShieldRegion(this, props.originShieldRegion);
    const fargate = compute instanceof FargateCompute ? fargateSettings(this, props, compute) : undefined;
    if (!fargate) rejectFargateSettings(this, props);
    if (fargate?.loadBalancerIdleTimeout !== undefined && fargate.loadBalancerIdleTimeout.toMilliseconds() <= ORIGIN_KEEPALIVE_TIMEOUT.toMilliseconds()) {
      throw new ImageCdnValidationError(
        this,
        `loadBalancerIdleTimeout ${fargate.loadBalancerIdleTimeout.toMilliseconds() / 1000} s must be longer than CloudFront's ${ORIGIN_KEEPALIVE_TIMEOUT.toSeconds()} s keep-alive to the load balancer`,
      );
    }
    this.sourcePrefix = props.sourcePrefix ?? '';
    const url = resolveUrlOptions(this, props);
    if (props.cacheTags !== false) this.cacheTagHeader = DEFAULT_CACHE_TAG_HEADER;

    if (props.accessLogs !== false) this.accessLogsBucket = props.accessLogsBucket ?? this.createAccessLogsBucket(props.bucket === undefined);
    this.bucket = props.bucket ?? this.createSourceBucket(props.bucketRemovalPolicy ?? RemovalPolicy.RETAIN);

    // The origin's own options pass straight through; the rest are this construct's choices, resolved above.
    const resolved = {
      bucket: this.bucket,
      grammars: url.grammars,
      imagekitEndpoint: url.imagekitEndpoint,
      variants: url.variants,
      onlyVariants: url.onlyVariants,
      signing: url.signing,
      cacheTagHeader: this.cacheTagHeader,
    };
    if (fargate) {
      this.originService = new ImageOriginService(this, 'Origin', { ...props, ...fargate, accessLogsBucket: this.accessLogsBucket, ...resolved });
      this.service = this.originService.service;
      this.loadBalancer = this.originService.loadBalancer;
      this.originLogGroup = this.originService.logGroup;
      this.requestTimeout = this.originService.requestTimeout;
    } else {
      const { sourcePrefix, decodedSourceMemory, decodedSourceLevels, requestTimeout, logRetention, environment } = props;
      this.lambdaOrigin = new ImageOriginFunction(this, 'Origin', {
        sourcePrefix,
        decodedSourceMemory,
        decodedSourceLevels,
        requestTimeout,
        logRetention,
        environment,
        ...(compute as LambdaCompute).props,
        ...resolved,
      });
      this.originFunction = this.lambdaOrigin.function;
      this.originLogGroup = this.lambdaOrigin.logGroup;
      this.requestTimeout = this.lambdaOrigin.requestTimeout;
    }

    const versionPattern = props.environment?.[envVar('versionPattern')];
    const caching = new AcceptAwareCachePolicy(this, 'CachePolicy', {
      ...(props.queryStringAllowList && { queryStringAllowList: props.queryStringAllowList }),
      grammars: url.grammars,
      ...(url.imagekitEndpoint !== undefined && { imagekitEndpoint: url.imagekitEndpoint }),
      ...(url.variants && { variants: url.variants }),
      signedUrls: url.signing !== undefined,
      ...(versionPattern !== undefined && { versionPattern }),
    });
    this.cachePolicy = caching.cachePolicy;
    this.edgeFunction = caching.edgeFunction;

    let origin: cloudfront.IOrigin;
    if (this.loadBalancer) {
      // HTTP inside the VPC: CloudFront terminates viewer TLS, and VPC-origin traffic never leaves AWS's network.
      this.vpcOrigin = new cloudfront.VpcOrigin(this, 'VpcOrigin', {
        endpoint: cloudfront.VpcOriginEndpoint.applicationLoadBalancer(this.loadBalancer),
        httpPort: ORIGIN_LISTENER_PORT,
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY,
        // VPC origin names are account-wide, like cache policy names: the region keeps a stack deployable twice.
        vpcOriginName: `${Names.uniqueResourceName(this, { maxLength: 40 })}-${Stack.of(this).region}`,
      });
      origin = origins.VpcOrigin.withVpcOrigin(this.vpcOrigin, {
        readTimeout: this.requestTimeout.plus(ORIGIN_READ_TIMEOUT_MARGIN),
        keepaliveTimeout: ORIGIN_KEEPALIVE_TIMEOUT,
        ...(props.originShieldRegion !== undefined && { originShieldRegion: props.originShieldRegion }),
      });
    } else {
      origin = functionUrlOrigin(this, this.lambdaOrigin!, props.originShieldRegion);
    }

    this.responseHeadersPolicy = new ImageResponseHeaders(this, 'ResponseHeaders', props).policy;

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'image-cdn',
      defaultBehavior: {
        ...caching.behaviorOptions(origin),
        ...(this.responseHeadersPolicy && { responseHeadersPolicy: this.responseHeadersPolicy }),
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      priceClass: props.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_ALL,
      ...(props.domainName !== undefined &&
        props.certificate && {
          domainNames: [props.domainName],
          certificate: props.certificate,
          minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          sslSupportMethod: cloudfront.SSLMethod.SNI,
        }),
      ...(this.accessLogsBucket && { enableLogging: true, logBucket: this.accessLogsBucket, logFilePrefix: 'cloudfront/' }),
      ...(props.webAclId !== undefined && { webAclId: props.webAclId }),
    });
    if (this.cacheTagHeader !== undefined) {
      // The Distribution construct has no cache-tag option yet; CloudFormation's DistributionConfig does.
      const cfnDistribution = this.distribution.node.defaultChild as cloudfront.CfnDistribution;
      cfnDistribution.addPropertyOverride('DistributionConfig.CacheTagConfig', { HeaderName: this.cacheTagHeader });
    }

    if (this.originService && this.loadBalancer) {
      new CloudFrontIngress(this, 'CloudFrontIngress', {
        vpc: this.originService.vpc,
        target: this.loadBalancer,
        port: ORIGIN_LISTENER_PORT,
        after: this.distribution,
        ...(props.cloudFrontPrefixListId !== undefined && { prefixListId: props.cloudFrontPrefixListId }),
      });
    } else {
      allowInvocationThroughUrl(this.distribution, this.originFunction!);
    }

    new CfnOutput(this, 'DistributionId', { value: this.distribution.distributionId, description: 'CloudFront distribution id (for invalidations)' });
    new CfnOutput(this, 'DistributionDomainName', {
      value: this.distribution.distributionDomainName,
      description: 'CloudFront domain name serving the images',
    });
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName, description: 'S3 bucket holding the source images' });

    this.acknowledgeDistributionFindings(props);
    if (props.monitoring !== false) this.monitoring = this.createMonitoring(props.monitoring ?? {});
  }

  /** Reads the metrics the origin writes, under whichever compute: the origin construct names them. */
  private createMonitoring(options: ImageCdnMonitoringOptions): ImageCdnMonitoring {
    const origin = this.originService ?? this.lambdaOrigin!;
    return new ImageCdnMonitoring(this, 'Monitoring', {
      ...options,
      distribution: this.distribution,
      compute: this.originService ? { service: this.originService.service, targetGroup: this.originService.targetGroup } : { function: this.originFunction! },
      namespace: origin.metricsNamespace,
      service: origin.metricsService,
      requestTimeout: this.requestTimeout,
      logGroup: this.originLogGroup,
    });
  }

  /** Lets `grantee` invalidate cached paths and follow the invalidation until it completes. */
  grantInvalidate(grantee: iam.IGrantable): iam.Grant {
    return this.distribution.grant(grantee, 'cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation', 'cloudfront:ListInvalidations');
  }

  /**
   * Lets `grantee` run `image-cdn put` (or `putImages`) against this CDN's sources: exactly
   * - `s3:GetObject`, `s3:PutObject` and `s3:AbortMultipartUpload` on `<bucket>/<sourcePrefix>*`
   *   (HeadObject to skip keys already there; PutObject, or a multipart upload and its abort);
   * - `s3:ListBucket` on the bucket for keys under `sourcePrefix` (`s3:prefix`), without which S3
   *   answers the HeadObject of a new key with 403 instead of 404;
   * - with a KMS-encrypted bucket, `kms:GenerateDataKey` and `kms:Decrypt` on its key.
   * Upload with `--prefix` equal to `sourcePrefix` (or below it); `put` defaults to `uploads/`.
   */
  grantPut(grantee: iam.IGrantable): iam.Grant {
    return grantSourcePut(this.bucket, this.sourcePrefix, grantee);
  }

  private createSourceBucket(removalPolicy: RemovalPolicy): s3.Bucket {
    const bucket = new s3.Bucket(this, 'SourceBucket', {
      ...PRIVATE_BUCKET,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy,
      lifecycleRules: [
        {
          // Sources are content-addressed, so overwrites are rare; old versions are a safety net, not an archive.
          noncurrentVersionExpiration: Duration.days(90),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      ...(this.accessLogsBucket && { serverAccessLogsBucket: this.accessLogsBucket, serverAccessLogsPrefix: 'source-bucket/' }),
    });
    if (!this.accessLogsBucket) {
      acknowledge(bucket, 'AwsSolutions-S1', 'Access logging was switched off for this ImageCdn (accessLogs: false).');
    }
    return bucket;
  }

  private createAccessLogsBucket(receivesBucketLogs: boolean): s3.Bucket {
    const bucket = new s3.Bucket(this, 'AccessLogs', {
      ...PRIVATE_BUCKET,
      // CloudFront standard logging (legacy) writes with ACLs. Logging v2 needs no ACLs, but its
      // delivery resources exist only in us-east-1, and this stack lives in the origin's region.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });
    if (!receivesBucketLogs) {
      // cdk-nag recognises a bucket as a log destination only when S3 server access logs go to it.
      acknowledge(
        bucket,
        'AwsSolutions-S1',
        'This bucket is itself the destination of the CloudFront and load balancer access logs; logging it would only log the log writes.',
      );
    }
    return bucket;
  }

  private acknowledgeDistributionFindings(props: ImageCdnProps): void {
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'A public image CDN serves every country; restrict with a WAF web ACL (webAclId) where a deployment needs it.',
    );
    if (props.webAclId === undefined) {
      acknowledge(
        this.distribution,
        'AwsSolutions-CFR2',
        'No WAF web ACL by default: responses are cacheable images and the origin rejects bad URLs with 4xx; pass webAclId to attach one.',
      );
    }
    if (!props.certificate) {
      acknowledge(
        this.distribution,
        'AwsSolutions-CFR4',
        'Without a custom domain CloudFront serves its default *.cloudfront.net certificate, whose security policy cannot be set; with domainName and certificate the policy is TLSv1.2_2021.',
      );
    }
    if (!this.accessLogsBucket) {
      acknowledge(this.distribution, 'AwsSolutions-CFR3', 'Access logging was switched off for this ImageCdn (accessLogs: false).');
    }
  }
}
