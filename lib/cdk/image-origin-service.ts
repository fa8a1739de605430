import { existsSync } from 'node:fs';
import path from 'node:path';
import { Duration, Size, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './nag.js';
import {
  decodedSourceSettings,
  EMF_SETTING_VARIABLES,
  emfSettings,
  originEnvironment,
  originMetricsNames,
  validateOriginSettings,
} from './origin-environment.js';
import { ORIGIN_CONTAINER_DIR } from './package-files.js';
import { ALB_IDLE_TIMEOUT_MS } from '../../origin/src/http/keep-alive.js';
import { envVar } from '../../origin/src/settings/registry.js';
import { grantSourceRead } from './source-read-grant.js';
import { taskSecurityGroup } from './task-egress.js';
import { type ImageUrlOptions, MANAGED_ORIGIN_SETTINGS, resolveUrlOptions } from './url-options.js';
import {
  ImageCdnValidationError,
  validatePercent,
  validatePositiveInteger,
  validateLoadBalancerIdleTimeout,
  validateRequestTimeout,
  validateTaskCounts,
  validateTaskSize,
} from './validation.js';

/** The port the origin listens on inside the task. */
export const ORIGIN_CONTAINER_PORT = 3000;
/** The internal load balancer's listener port (HTTP inside the VPC). */
export const ORIGIN_LISTENER_PORT = 80;
/** glibc malloc arenas: sharp's advice for long-running processes on glibc Linux. */
export const MALLOC_ARENA_MAX = '2';

/**
 * The origin's own settings: where it runs, how big and how many tasks, and what it is told.
 * `ImageOriginServiceProps` and `ImageCdnProps` both extend it, so each is declared once.
 */
export interface ImageOriginOptions {
  /**
   * Key prefix of the sources inside the bucket, such as `uploads/`; the task role can read
   * only under it.
   * @default '' (the whole bucket)
   */
  readonly sourcePrefix?: string;
  /**
   * The VPC for the tasks and the internal load balancer. It needs private subnets with egress
   * (for image pulls and logs); behind `ImageCdn` it also needs an internet gateway, which
   * CloudFront VPC origins require. S3 traffic takes its S3 gateway endpoint if it has one.
   * @default - the cluster's VPC if `cluster` is given, otherwise a new VPC (two AZs, one NAT
   * gateway, an S3 gateway endpoint and rejected-traffic flow logs)
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The ECS cluster to run in.
   * @default - a new cluster with Container Insights
   */
  readonly cluster?: ecs.ICluster;
  /**
   * The origin's container image.
   * @default - built from `origin/Dockerfile` with the repository root as context, for `cpuArchitecture`
   */
  readonly image?: ecs.ContainerImage;
  /**
   * CPU architecture of the tasks (and of the image built from the Dockerfile).
   * @default ecs.CpuArchitecture.ARM64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /**
   * Task CPU units; with `memoryLimitMiB` it must be a valid Fargate size.
   * @default 1024
   */
  readonly cpu?: number;
  /**
   * Task memory in MiB.
   * @default 2048
   */
  readonly memoryLimitMiB?: number;
  /**
   * Memory each task keeps for decoded sources, shared by the renditions of one source
   * (`IMAGE_CDN_SOURCE_CACHE_MB`): the srcset widths and formats of a new upload decode it once.
   * `Size.mebibytes(0)` keeps none. At most half of `memoryLimitMiB`, whole MiB.
   * @default - one eighth of `memoryLimitMiB` (256 MiB for 2048)
   */
  readonly decodedSourceMemory?: Size;
  /**
   * Start each downscale from a decoded level of its source, kept in `decodedSourceMemory` and
   * shared by the source's renditions (`IMAGE_CDN_SOURCE_LEVELS`); off, each rendition decodes in
   * one pipeline of its own. On by default because the renditions of a page's srcset arrive
   * together and meet in one task, where they share one decode; the price is a second resize on
   * every cold transform (about 10–20 % more time). Output bytes differ by rounding, so the setting
   * is part of every ETag: changing it changes every ETag once. Behind `ImageCdn` with
   * `OriginCompute.lambda()` the default is false (`ImageOriginFunctionProps.decodedSourceLevels`).
   * @default true
   */
  readonly decodedSourceLevels?: boolean;
  /**
   * Fewest running tasks.
   * @default 2
   */
  readonly minTasks?: number;
  /**
   * Most running tasks.
   * @default 10
   */
  readonly maxTasks?: number;
  /**
   * Average CPU utilisation the service scales to hold.
   * @default 60
   */
  readonly targetCpuUtilizationPercent?: number;
  /**
   * Requests per task per minute (ALBRequestCountPerTarget) the service scales to hold.
   * Only cache misses reach the origin, and each one is a transform.
   * @default 600
   */
  readonly targetRequestsPerTaskPerMinute?: number;
  /**
   * The origin's own deadline for one request (`IMAGE_CDN_REQUEST_TIMEOUT_MS`). `ImageCdn` sets
   * CloudFront's origin read timeout a few seconds longer, so the origin's own 504 (with its
   * error tag) reaches the viewer.
   * @default Duration.seconds(10)
   */
  readonly requestTimeout?: Duration;
  /**
   * The internal load balancer's idle timeout (`idle_timeout.timeout_seconds`), also given to the
   * origin (`IMAGE_CDN_LB_IDLE_TIMEOUT_MS`), which keeps idle connections 5 s longer so the load
   * balancer always closes them first (a target closing first causes sporadic 502s). Whole
   * seconds, at least `requestTimeout` + 10 s (a transform must not be cut short), at most 4000 s.
   * @default Duration.seconds(60), the ALB default, or `requestTimeout` + 10 s if that is longer
   */
  readonly loadBalancerIdleTimeout?: Duration;
  /**
   * How long the origin's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Run the container with a read-only root filesystem; `/tmp` is then an ephemeral task volume
   * (Fargate has no tmpfs mounts), for libvips' temporary files and anything else that writes.
   * A custom `image` that runs as a non-root user must declare `VOLUME ["/tmp"]` on a world-writable
   * `/tmp`, as the origin's Dockerfile does: Fargate creates the volume root-owned 0755 otherwise.
   * @default true
   */
  readonly readonlyRootFilesystem?: boolean;
  /**
   * Extra environment variables for the origin container (non-secret configuration only). The
   * settings the props control (grammars, variants, signing, cache tags) cannot be set here.
   * Behind `ImageCdn`, an `IMAGE_CDN_VERSION_PATTERN` set here is also given to the
   * viewer-request function.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
}

export interface ImageOriginServiceProps extends ImageOriginOptions, ImageUrlOptions {
  /** The bucket the origin reads sources from; the task role can read it and nothing else. */
  readonly bucket: s3.IBucket;
  /**
   * Response header in which the origin sends each response's cache tag (`IMAGE_CDN_CACHE_TAG_HEADER`).
   * @default - no cache tags
   */
  readonly cacheTagHeader?: string;
  /**
   * The `Service` dimension of the origin's CloudWatch embedded-metric-format metrics (EMF, on for
   * the tasks: `IMAGE_CDN_EMF`), which `ImageCdnMonitoring` reads.
   * @default - a name unique to this construct (its path)
   */
  readonly metricsService?: string;
  /**
   * Subnets for the tasks and the internal load balancer; they must be private.
   * @default - the VPC's private subnets with egress
   */
  readonly subnets?: ec2.SubnetSelection;
  /**
   * Bucket for the load balancer's access logs. ELB access logging needs a concrete region
   * on the stack (`env.region`), so it is skipped in environment-agnostic stacks.
   * @default - no load balancer access logs
   */
  readonly accessLogsBucket?: s3.IBucket;
}

/**
 * The image origin on ECS Fargate behind an internal Application Load Balancer: private
 * subnets, no public IPs, egress limited to HTTPS and DNS, a read-only root filesystem (with
 * `/tmp` on a task volume), a task role that can only read the source bucket, health checks on
 * `/healthz`, autoscaling on CPU and requests per task, and a deployment circuit breaker that
 * rolls back. The load balancer accepts no traffic until something (CloudFront's VPC origin,
 * in `ImageCdn`) is allowed in through `loadBalancer.connections`.
 */
export class ImageOriginService extends Construct {
  readonly vpc: ec2.IVpc;
  /** The S3 gateway endpoint of the VPC this construct created; undefined with a given VPC. */
  readonly s3GatewayEndpoint?: ec2.GatewayVpcEndpoint;
  readonly cluster: ecs.ICluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly service: ecs.FargateService;
  /** The tasks' security group: inbound from the load balancer, outbound HTTPS and DNS only. */
  readonly securityGroup: ec2.SecurityGroup;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listener: elbv2.ApplicationListener;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly logGroup: logs.LogGroup;
  readonly scaling: ecs.ScalableTaskCount;
  readonly requestTimeout: Duration;
  /** The load balancer's idle timeout, which the origin's keep-alive outlasts. */
  readonly loadBalancerIdleTimeout: Duration;
  /** The CloudWatch namespace and `Service` dimension of the origin's EMF metrics. */
  readonly metricsNamespace: string;
  readonly metricsService: string;

  constructor(scope: Construct, id: string, props: ImageOriginServiceProps) {
    super(scope, id);
    const cpu = props.cpu ?? 1024;
    const memoryLimitMiB = props.memoryLimitMiB ?? 2048;
    const minTasks = props.minTasks ?? 2;
    const maxTasks = props.maxTasks ?? 10;
    const architecture = props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64;
    const sourcePrefix = props.sourcePrefix ?? '';
    this.requestTimeout = props.requestTimeout ?? Duration.seconds(10);

    validateTaskSize(this, cpu, memoryLimitMiB);
    const decodedSources = decodedSourceSettings(this, props, { memoryMiB: memoryLimitMiB, memoryProp: 'memoryLimitMiB', levelsByDefault: true });
    validateTaskCounts(this, minTasks, maxTasks);
    validateRequestTimeout(this, this.requestTimeout);
    // Longer than any origin response, so the load balancer never cuts a transform short.
    const minimumIdleSeconds = Math.ceil(this.requestTimeout.toMilliseconds() / 1000) + 10;
    const minimumIdle = Duration.seconds(minimumIdleSeconds);
    this.loadBalancerIdleTimeout = props.loadBalancerIdleTimeout ?? Duration.seconds(Math.max(ALB_IDLE_TIMEOUT_MS / 1000, minimumIdleSeconds));
    validateLoadBalancerIdleTimeout(this, this.loadBalancerIdleTimeout, minimumIdle, `requestTimeout ${this.requestTimeout.toMilliseconds() / 1000} s + 10 s`);
    validatePercent(this, 'targetCpuUtilizationPercent', props.targetCpuUtilizationPercent ?? 60);
    validatePositiveInteger(this, 'targetRequestsPerTaskPerMinute', props.targetRequestsPerTaskPerMinute ?? 600);
    const urlOptions = resolveUrlOptions(this, props);
    validateOriginSettings(
      this,
      { ...props, sourcePrefix },
      {
        names: [...MANAGED_ORIGIN_SETTINGS, ...EMF_SETTING_VARIABLES],
        setFrom:
          'bucket, sourcePrefix, requestTimeout, the container port, grammars, imagekitEndpoint, variants, onlyVariants, signing, cacheTagHeader, decodedSourceMemory, decodedSourceLevels, loadBalancerIdleTimeout, metricsService',
        keysFrom: 'pass signing.secret so ECS reads them from Secrets Manager',
      },
    );
    const metricsNames = originMetricsNames(this, props.metricsService);
    ({ namespace: this.metricsNamespace, service: this.metricsService } = metricsNames);
    if (
      props.vpc &&
      props.cluster &&
      props.vpc !== props.cluster.vpc &&
      !Token.isUnresolved(props.vpc.vpcId) &&
      !Token.isUnresolved(props.cluster.vpc.vpcId) &&
      props.vpc.vpcId !== props.cluster.vpc.vpcId
    ) {
      throw new ImageCdnValidationError(this, `vpc '${props.vpc.vpcId}' is not the cluster's VPC '${props.cluster.vpc.vpcId}'`);
    }

    const givenVpc = props.vpc ?? props.cluster?.vpc;
    if (givenVpc) {
      this.vpc = givenVpc;
    } else {
      ({ vpc: this.vpc, s3GatewayEndpoint: this.s3GatewayEndpoint } = this.createVpc());
    }
    this.cluster =
      props.cluster ??
      new ecs.Cluster(this, 'Cluster', {
        vpc: this.vpc,
        containerInsightsV2: ecs.ContainerInsights.ENABLED,
      });
    const subnets = props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu,
      memoryLimitMiB,
      runtimePlatform: { cpuArchitecture: architecture, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    this.container = this.taskDefinition.addContainer('Origin', {
      image: props.image ?? originImageFromDockerfile(this, architecture),
      essential: true,
      portMappings: [{ containerPort: ORIGIN_CONTAINER_PORT, name: 'http' }],
      environment: {
        ...originEnvironment(
          props.environment,
          {
            port: ORIGIN_CONTAINER_PORT,
            s3Bucket: props.bucket.bucketName,
            ...(sourcePrefix !== '' && { s3Prefix: sourcePrefix }),
            requestTimeoutMs: this.requestTimeout.toMilliseconds(),
            // The same value as the load balancer's idle timeout below: the origin's keep-alive outlasts it.
            loadBalancerIdleTimeoutMs: this.loadBalancerIdleTimeout.toMilliseconds(),
            ...decodedSources,
            // Metrics reach CloudWatch through the awslogs driver, with no sidecar.
            ...emfSettings(metricsNames),
          },
          urlOptions,
          props.cacheTagHeader,
        ),
        AWS_REGION: Stack.of(this).region,
        MALLOC_ARENA_MAX,
        NODE_ENV: 'production',
      },
      ...(urlOptions.signing && { secrets: { [envVar('signingKeys')]: ecs.Secret.fromSecretsManager(urlOptions.signing.secret) } }),
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: 'origin',
        // A slow log pipe must never stall image responses.
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
      // An init process reaps children and forwards SIGTERM, which the origin drains on.
      linuxParameters: new ecs.LinuxParameters(this, 'LinuxParameters', { initProcessEnabled: true }),
      // In-flight transforms finish within the request timeout; give them that long after SIGTERM.
      stopTimeout: Duration.seconds(Math.min(120, Math.ceil(this.requestTimeout.toSeconds()) + 5)),
      readonlyRootFilesystem: props.readonlyRootFilesystem ?? true,
    });
    if (props.readonlyRootFilesystem ?? true) this.mountScratchVolume();
    grantSourceRead(this.taskDefinition.taskRole, props.bucket, sourcePrefix);

    this.securityGroup = taskSecurityGroup(this, 'ServiceSecurityGroup', this.vpc);
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      securityGroups: [this.securityGroup],
      assignPublicIp: false,
      vpcSubnets: subnets,
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      healthCheckGracePeriod: Duration.seconds(30),
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      internetFacing: false,
      vpcSubnets: subnets,
      dropInvalidHeaderFields: true,
      idleTimeout: this.loadBalancerIdleTimeout,
      securityGroup: new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
        vpc: this.vpc,
        description: 'image-cdn internal load balancer: inbound only from CloudFront VPC origins',
        allowAllOutbound: false,
      }),
    });
    if (props.accessLogsBucket && !Token.isUnresolved(Stack.of(this).region)) {
      this.loadBalancer.logAccessLogs(props.accessLogsBucket, 'alb');
    }
    // `open: false`: no 0.0.0.0/0 rule; callers allow exactly their peer.
    this.listener = this.loadBalancer.addListener('Http', {
      port: ORIGIN_LISTENER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
    });
    this.targetGroup = this.listener.addTargets('Origin', {
      port: ORIGIN_CONTAINER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service.loadBalancerTarget({ containerName: this.container.containerName, containerPort: ORIGIN_CONTAINER_PORT })],
      healthCheck: {
        path: '/healthz',
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
      deregistrationDelay: Duration.seconds(30),
      // Transforms differ widely in cost; send new work to the least busy task.
      loadBalancingAlgorithmType: elbv2.TargetGroupLoadBalancingAlgorithmType.LEAST_OUTSTANDING_REQUESTS,
    });

    this.scaling = this.service.autoScaleTaskCount({ minCapacity: minTasks, maxCapacity: maxTasks });
    this.scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: props.targetCpuUtilizationPercent ?? 60,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(300),
    });
    this.scaling.scaleOnRequestCount('Requests', {
      requestsPerTarget: props.targetRequestsPerTaskPerMinute ?? 600,
      targetGroup: this.targetGroup,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(300),
    });

    const executionRole = this.taskDefinition.executionRole;
    if (executionRole) {
      acknowledge(
        executionRole,
        'AwsSolutions-IAM5[Resource::*]',
        'ecr:GetAuthorizationToken has no resource-level permissions; this execution role only pulls the origin image and writes its log stream.',
      );
    }
    acknowledge(
      this.taskDefinition,
      'AwsSolutions-ECS2',
      'The container environment holds only non-secret settings (bucket name, key prefix, port, timeout, URL grammars, variants, allocator tuning); S3 access comes from the task role, and signing keys, when configured, are injected from Secrets Manager as ECS secrets.',
    );
    if (!props.accessLogsBucket || Token.isUnresolved(Stack.of(this).region)) {
      acknowledge(
        this.loadBalancer,
        'AwsSolutions-ELB2',
        'ELB access logging needs a concrete region on the stack; every request that reaches this internal load balancer comes through CloudFront, whose access logs record it.',
      );
    }
  }

  /**
   * `/tmp` on an ephemeral task volume (a bind mount without a host path). Fargate does not
   * support `linuxParameters.tmpfs` ("If you're using tasks that use the Fargate launch type, the
   * tmpfs parameter isn't supported": ECS LinuxParameters), so a task volume is the only writable
   * place a read-only root filesystem can have; it lives as long as the task, in its ephemeral storage.
   */
  private mountScratchVolume(): void {
    this.taskDefinition.addVolume({ name: 'tmp' });
    this.container.addMountPoints({ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false });
  }

  private createVpc(): { vpc: ec2.Vpc; s3GatewayEndpoint: ec2.GatewayVpcEndpoint } {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
    });
    // Source reads and image layer pulls stay on the AWS network and off the NAT gateway's bill;
    // routes in every subnet's route table, the tasks' private subnets included.
    const s3GatewayEndpoint = vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    const flowLogs = new logs.LogGroup(this, 'VpcFlowLogs', { retention: logs.RetentionDays.ONE_MONTH });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    return { vpc, s3GatewayEndpoint };
  }
}

/**
 * The origin image built from the package's container asset (origin/container: the Dockerfile, the
 * esbuild bundle and sharp's lockfile). Its .dockerignore decides what the asset hash covers.
 */
export function originImageFromDockerfile(scope: Construct, architecture: ecs.CpuArchitecture): ecs.ContainerImage {
  if (!existsSync(path.join(ORIGIN_CONTAINER_DIR, 'bundle', 'main.js'))) {
    throw new ImageCdnValidationError(
      scope,
      `the origin's container asset ${ORIGIN_CONTAINER_DIR} has no bundle/main.js: in a clone of image-cdn, run "npm run build" first (an installed package ships it built)`,
    );
  }
  return ecs.ContainerImage.fromAsset(ORIGIN_CONTAINER_DIR, {
    platform: architecture === ecs.CpuArchitecture.X86_64 ? Platform.LINUX_AMD64 : Platform.LINUX_ARM64,
  });
}
