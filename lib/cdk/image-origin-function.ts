import { Duration, Size, SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { envVar } from '../../origin/src/settings/registry.js';
import { SIGNING_KEYS_SECRET_ENV } from '../../origin/src/signing/keys-secret.js';
import { type ImageOriginOptions, MALLOC_ARENA_MAX } from './image-origin-service.js';
import { LAMBDA_STREAMED_RESPONSE_MAX_BYTES, streamingTime, timeoutMargin } from './lambda-stream-budget.js';
import { acknowledge } from './nag.js';
import {
  decodedSourceSettings,
  EMF_SETTING_VARIABLES,
  emfSettings,
  originEnvironment,
  originMetricsNames,
  validateOriginSettings,
} from './origin-environment.js';
import { ORIGIN_FUNCTION_HANDLER, originFunctionCode } from './origin-function-code.js';
import { grantSourceRead } from './source-read-grant.js';
import { type ImageUrlOptions, MANAGED_ORIGIN_SETTINGS, resolveUrlOptions } from './url-options.js';
import { ImageCdnValidationError, MAX_REQUEST_TIMEOUT_MS, validateRequestTimeout } from './validation.js';

/** Lambda's limit on a function's environment: 4 KB for all keys and values together. */
const LAMBDA_ENVIRONMENT_MAX_BYTES = 4096;
/** What an unresolved value (a bucket name, a secret ARN) is counted as until deploy time. */
const TOKEN_ALLOWANCE_BYTES = 128;

/** What the Lambda origin takes besides what every origin takes: `OriginCompute.lambda(props)`. */
export interface LambdaOriginProps {
  /**
   * The function's memory in MB, 128 to 10,240. CPU grows with it (1,769 MB is one vCPU), and with it
   * the speed of every transform; one eighth of it keeps decoded sources (`decodedSourceMemory`).
   * @default 2048
   */
  readonly memorySize?: number;
  /**
   * The function's timeout. The origin's own deadline (`requestTimeout`) is this less 2 s (to stop a
   * transform and answer 504) and less the time Lambda needs to stream a `maxResponseSize` answer
   * (its first 6 MB uncapped, then 2 MB/s), capped at 55 s. Give this or `requestTimeout`, not both.
   * @default - `requestTimeout` (10 s) + 2 s + the streaming time of `maxResponseSize` (36 s in all)
   */
  readonly timeout?: Duration;
  /**
   * Concurrent executions reserved for the origin, which also caps it: at most this many transforms
   * run at once, across every instance.
   * @default - none: the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * The largest answer the origin sends (`IMAGE_CDN_MAX_RESPONSE_BYTES`): a bigger transform output,
   * or a bigger original, is a 413 `response_too_large`. Lambda streams at most 200 MB per response.
   * @default Size.mebibytes(50), the default largest source, so every original the origin reads fits
   */
  readonly maxResponseSize?: Size;
  /**
   * The function's code.
   * @default - the package's bundled handler (origin/lambda/bundle) with sharp installed for
   * linux-arm64 from the container asset's lockfile, assembled at synth with npm (no Docker)
   */
  readonly code?: lambda.Code;
}

/** The origin settings the Fargate and Lambda origins share (ImageOriginOptions holds the Fargate-only ones too). */
export type SharedOriginOptions = Pick<
  ImageOriginOptions,
  'sourcePrefix' | 'decodedSourceMemory' | 'decodedSourceLevels' | 'requestTimeout' | 'logRetention' | 'environment'
>;

export interface ImageOriginFunctionProps extends LambdaOriginProps, SharedOriginOptions, ImageUrlOptions {
  /** The bucket the origin reads sources from; the function's role can read it and nothing else. */
  readonly bucket: s3.IBucket;
  /**
   * Start each downscale from a decoded level of its source, kept in `decodedSourceMemory` and
   * shared by the source's renditions (`IMAGE_CDN_SOURCE_LEVELS`); off, each rendition decodes in
   * one pipeline of its own. Off by default because an instance takes one invocation at a time, so
   * the renditions of a srcset burst land on different instances and rarely reuse a level, while
   * every cold transform would pay its second resize (about 10–20 % more billed time). Output bytes
   * differ by rounding, so the setting is part of every ETag: changing it changes every ETag once.
   * @default false
   */
  readonly decodedSourceLevels?: boolean;
  /**
   * Response header in which the origin sends each response's cache tag (`IMAGE_CDN_CACHE_TAG_HEADER`).
   * @default - no cache tags
   */
  readonly cacheTagHeader?: string;
  /**
   * The `Service` dimension of the origin's CloudWatch embedded-metric-format metrics.
   * @default - a name unique to this construct (its path)
   */
  readonly metricsService?: string;
}

/**
 * Settings the function's environment may not carry: those ImageOriginService owns, less the server's
 * own (the runtime listens), plus those this construct derives from memory, timeout and the response limit.
 */
const MANAGED_FUNCTION_SETTINGS: readonly string[] = [
  ...MANAGED_ORIGIN_SETTINGS.filter((name) => name !== envVar('port') && name !== envVar('loadBalancerIdleTimeoutMs')),
  ...(['concurrency', 'queueSize', 'maxResponseBytes'] as const).map(envVar),
  ...EMF_SETTING_VARIABLES,
  SIGNING_KEYS_SECRET_ENV,
];

/**
 * The image origin as a Lambda function (Node.js 22, arm64) behind a function URL in
 * RESPONSE_STREAM mode with AWS_IAM auth, so only a signed caller (CloudFront's origin access
 * control, in `ImageCdn`) reaches it and answers are streamed, not capped at 6 MB. No VPC: it reads
 * S3 over Lambda's own network, with the same read-only grant as the Fargate tasks. The origin's
 * deadline follows from the timeout and the largest answer, its concurrency from the memory (one
 * slot per vCPU). Nothing runs, and nothing is billed, while no request comes.
 */
export class ImageOriginFunction extends Construct {
  readonly function: lambda.Function;
  /** The function URL (AWS_IAM, RESPONSE_STREAM); callers need `lambda:InvokeFunctionUrl` and `lambda:InvokeFunction`. */
  readonly functionUrl: lambda.FunctionUrl;
  readonly logGroup: logs.LogGroup;
  /** The origin's own deadline for one request (`IMAGE_CDN_REQUEST_TIMEOUT_MS`). */
  readonly requestTimeout: Duration;
  /** The function's timeout: the deadline, the time to stop, and the time to stream the largest answer. */
  readonly timeout: Duration;
  /** The largest answer the origin sends (`IMAGE_CDN_MAX_RESPONSE_BYTES`). */
  readonly maxResponseBytes: number;
  /** The CloudWatch namespace and `Service` dimension of the origin's EMF metrics. */
  readonly metricsNamespace: string;
  readonly metricsService: string;

  constructor(scope: Construct, id: string, props: ImageOriginFunctionProps) {
    super(scope, id);
    const memorySize = props.memorySize ?? 2048;
    const sourcePrefix = props.sourcePrefix ?? '';
    this.maxResponseBytes = (props.maxResponseSize ?? Size.mebibytes(50)).toBytes({ rounding: SizeRoundingBehavior.FAIL });
    this.validate(props, memorySize);
    ({ requestTimeout: this.requestTimeout, timeout: this.timeout } = this.deadlines(props));
    const decodedSources = decodedSourceSettings(this, props, { memoryMiB: memorySize, memoryProp: 'memorySize', levelsByDefault: false });
    const urlOptions = resolveUrlOptions(this, props);
    validateOriginSettings(
      this,
      { ...props, sourcePrefix },
      {
        names: MANAGED_FUNCTION_SETTINGS,
        setFrom:
          'bucket, sourcePrefix, requestTimeout, timeout, memorySize, maxResponseSize, grammars, imagekitEndpoint, variants, onlyVariants, signing, cacheTagHeader, decodedSourceMemory, decodedSourceLevels, metricsService',
        keysFrom: 'pass signing.secret so the function reads them from Secrets Manager at start',
      },
    );
    const metricsNames = originMetricsNames(this, props.metricsService);
    ({ namespace: this.metricsNamespace, service: this.metricsService } = metricsNames);

    const environment = {
      ...originEnvironment(
        props.environment,
        {
          s3Bucket: props.bucket.bucketName,
          ...(sourcePrefix !== '' && { s3Prefix: sourcePrefix }),
          requestTimeoutMs: this.requestTimeout.toMilliseconds(),
          ...decodedSources,
          // One slot per vCPU, as the Fargate origin has one per core: libvips then runs each transform
          // on one thread there and here, and AVIF, whose encoder's output depends on its thread count,
          // comes out the same bytes. An instance takes one event at a time, so a second slot only ever
          // holds a transform abandoned at its deadline while it stops; nothing needs to wait.
          concurrency: exposedVcpus(memorySize),
          queueSize: 0,
          maxResponseBytes: this.maxResponseBytes,
          ...emfSettings(metricsNames),
        },
        urlOptions,
        props.cacheTagHeader,
      ),
      ...(urlOptions.signing && { [SIGNING_KEYS_SECRET_ENV]: urlOptions.signing.secret.secretArn }),
      MALLOC_ARENA_MAX,
      NODE_ENV: 'production',
      NODE_OPTIONS: '--enable-source-maps',
    };
    validateEnvironmentSize(this, environment);

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    this.function = new lambda.Function(this, 'Function', {
      description: 'image-cdn origin: sharp behind a streaming function URL',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: ORIGIN_FUNCTION_HANDLER,
      code: props.code ?? originFunctionCode(this),
      memorySize,
      timeout: this.timeout,
      ...(props.reservedConcurrentExecutions !== undefined && { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      environment,
      logGroup: this.logGroup,
    });
    this.functionUrl = this.function.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.AWS_IAM,
      invokeMode: lambda.InvokeMode.RESPONSE_STREAM,
    });
    const role = this.function.role!;
    grantSourceRead(role, props.bucket, sourcePrefix);
    urlOptions.signing?.secret.grantRead(role);

    acknowledge(
      role,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      "AWSLambdaBasicExecutionRole lets the function write its own logs and nothing else; it is Lambda's standard policy for that.",
    );
    acknowledge(
      this.function,
      'AwsSolutions-L1',
      'The origin runs on Node.js 22 under both computes (the container image is node:22), so both serve the same bytes from the same runtime; they move to a newer Node together.',
    );
  }

  private validate(props: ImageOriginFunctionProps, memorySize: number): void {
    if (Token.isUnresolved(memorySize)) {
      throw new ImageCdnValidationError(
        this,
        "memorySize must be known at synth time, not a token: the origin's concurrency and decoded-source memory follow from it",
      );
    }
    if (!(Number.isInteger(memorySize) && memorySize >= 128 && memorySize <= 10_240)) {
      throw new ImageCdnValidationError(this, `memorySize ${memorySize} must be a whole number of MB from 128 to 10240`);
    }
    const reserved = props.reservedConcurrentExecutions;
    if (reserved !== undefined && !Token.isUnresolved(reserved) && !(Number.isInteger(reserved) && reserved >= 1)) {
      throw new ImageCdnValidationError(this, `reservedConcurrentExecutions ${reserved} must be a whole number of at least 1 (0 would stop the origin)`);
    }
    if (!(this.maxResponseBytes >= 1 && this.maxResponseBytes <= LAMBDA_STREAMED_RESPONSE_MAX_BYTES)) {
      throw new ImageCdnValidationError(
        this,
        `maxResponseSize ${this.maxResponseBytes} bytes must be from 1 byte to Lambda's ${LAMBDA_STREAMED_RESPONSE_MAX_BYTES / 1e6} MB limit on a streamed response`,
      );
    }
  }

  /** The origin's deadline and the function's timeout, one derived from the other. */
  private deadlines(props: ImageOriginFunctionProps): { requestTimeout: Duration; timeout: Duration } {
    const margin = timeoutMargin(this.maxResponseBytes);
    const streaming = streamingTime(this.maxResponseBytes).toSeconds();
    const why = `${margin.toSeconds()} s after the deadline: ${margin.toSeconds() - streaming} s to stop a transform and answer, and ${streaming} s to stream a ${this.maxResponseBytes}-byte answer (maxResponseSize) at Lambda's capped rate`;
    if (props.timeout === undefined) {
      const requestTimeout = props.requestTimeout ?? Duration.seconds(10);
      validateRequestTimeout(this, requestTimeout);
      return { requestTimeout, timeout: Duration.seconds(Math.ceil(requestTimeout.toMilliseconds() / 1000) + margin.toSeconds()) };
    }
    if (props.requestTimeout !== undefined) {
      throw new ImageCdnValidationError(
        this,
        `requestTimeout ${props.requestTimeout.toHumanString()} and timeout ${props.timeout.toHumanString()} both set the origin's deadline under Lambda; give one (the deadline is the timeout less ${why})`,
      );
    }
    const timeoutMs = props.timeout.toMilliseconds();
    if (!(Number.isInteger(timeoutMs / 1000) && timeoutMs <= 900_000)) {
      throw new ImageCdnValidationError(this, `timeout ${props.timeout.toHumanString()} must be whole seconds, at most Lambda's 15 minutes`);
    }
    const deadlineMs = Math.min(timeoutMs - margin.toMilliseconds(), MAX_REQUEST_TIMEOUT_MS);
    if (deadlineMs < 1000) {
      throw new ImageCdnValidationError(
        this,
        `timeout ${props.timeout.toHumanString()} leaves the origin no deadline of at least 1 s: the function needs ${why}; raise timeout or lower maxResponseSize`,
      );
    }
    return { requestTimeout: Duration.millis(deadlineMs), timeout: props.timeout };
  }
}

/**
 * The vCPUs an instance gets: one per 1,769 MB of memory (Lambda's figure), and never fewer than the
 * two an instance shows the process, so the origin has a slot for every CPU it sees.
 */
function exposedVcpus(memorySize: number): number {
  return Math.max(2, Math.ceil(memorySize / 1769));
}

/** Lambda refuses a function whose environment passes 4 KB; variants are the one value without a bound. */
function validateEnvironmentSize(scope: Construct, environment: Readonly<Record<string, string>>): void {
  const sizeOf = (value: string) => (Token.isUnresolved(value) ? TOKEN_ALLOWANCE_BYTES : Buffer.byteLength(value));
  const sizes = Object.entries(environment).map(([name, value]) => ({ name, bytes: Buffer.byteLength(name) + sizeOf(value) }));
  const total = sizes.reduce((sum, { bytes }) => sum + bytes, 0);
  if (total > LAMBDA_ENVIRONMENT_MAX_BYTES) {
    const largest = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    throw new ImageCdnValidationError(
      scope,
      `the function's environment comes to about ${total} bytes, over Lambda's 4 KB; the largest is ${largest.name} (${largest.bytes} bytes)`,
    );
  }
}
