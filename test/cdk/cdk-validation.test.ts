/**
 * Invalid props stop synth with a message that names the bad value. Validation runs in the
 * constructors, so these tests build constructs without synthesising anything.
 */
import { App, Duration, Fn, Size, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import {
  AcceptAwareCachePolicy,
  ImageCdn,
  type ImageCdnProps,
  ImageCdnStack,
  ImageCdnValidationError,
  ImageOriginService,
  type UrlGrammar,
} from '../../lib/cdk/index.js';

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/example/image-origin:1.0.0');
const certificateArn = (region: string) => `arn:aws:acm:${region}:111122223333:certificate/0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7`;

function build(props: (stack: Stack) => ImageCdnProps): () => void {
  return () => {
    const stack = new Stack(new App(), 'Test');
    new ImageCdn(stack, 'Images', { image, ...props(stack) });
  };
}

function expectInvalid(create: () => void, ...fragments: string[]): void {
  let error: unknown;
  try {
    create();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ImageCdnValidationError);
  for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
}

describe('domain and certificate', () => {
  it('rejects a certificate without a domain, naming the certificate', () => {
    expectInvalid(
      build((stack) => ({ certificate: acm.Certificate.fromCertificateArn(stack, 'C', certificateArn('us-east-1')) })),
      certificateArn('us-east-1'),
      'without a domainName',
    );
  });

  it('rejects a domain without a certificate, naming the domain', () => {
    expectInvalid(
      build(() => ({ domainName: 'images.example.com' })),
      "'images.example.com'",
      'needs a certificate',
    );
  });

  it('rejects a certificate outside us-east-1, naming its region', () => {
    expectInvalid(
      build((stack) => ({
        domainName: 'images.example.com',
        certificate: acm.Certificate.fromCertificateArn(stack, 'C', certificateArn('eu-west-1')),
      })),
      certificateArn('eu-west-1'),
      'is in eu-west-1',
      'us-east-1',
    );
  });

  it('rejects a domain that is not a DNS name', () => {
    expectInvalid(
      build((stack) => ({
        domainName: 'images example.com',
        certificate: acm.Certificate.fromCertificateArn(stack, 'C', certificateArn('us-east-1')),
      })),
      "'images example.com'",
    );
  });

  it('accepts a certificate whose ARN is only known at deploy time', () => {
    expect(
      build((stack) => ({
        domainName: 'images.example.com',
        certificate: acm.Certificate.fromCertificateArn(stack, 'C', Fn.importValue('SharedCertificateArn')),
      })),
    ).not.toThrow();
  });
});

describe('Origin Shield', () => {
  it.each(['us-east-9', 'US-EAST-1', 'mars-north-1', 'useast1', ''])('rejects region %j, naming it', (region) => {
    expectInvalid(
      build(() => ({ originShieldRegion: region })),
      `originShieldRegion '${region}'`,
    );
  });

  it('accepts a real region', () => {
    expect(build(() => ({ originShieldRegion: 'ap-southeast-2' }))).not.toThrow();
  });
});

describe('task size and count', () => {
  it('rejects minTasks above maxTasks, naming both', () => {
    expectInvalid(
      build(() => ({ minTasks: 5, maxTasks: 2 })),
      'minTasks 5',
      'maxTasks 2',
    );
  });

  it('rejects non-positive or fractional counts', () => {
    expectInvalid(
      build(() => ({ minTasks: 0 })),
      'minTasks 0',
    );
    expectInvalid(
      build(() => ({ maxTasks: 2.5 })),
      'maxTasks 2.5',
    );
  });

  it('rejects a memory size Fargate does not offer for the CPU, naming both', () => {
    expectInvalid(
      build(() => ({ cpu: 1024, memoryLimitMiB: 512 })),
      'memoryLimitMiB 512',
      'cpu 1024',
      '2048–8192',
    );
    expectInvalid(
      build(() => ({ cpu: 2048, memoryLimitMiB: 4000 })),
      'memoryLimitMiB 4000',
      'cpu 2048',
    );
  });

  it('rejects decoded-source memory above half the task or in parts of a MiB, naming it', () => {
    expectInvalid(
      build(() => ({ decodedSourceMemory: Size.mebibytes(1100) })),
      'decodedSourceMemory 1100 MiB',
      'memoryLimitMiB 2048',
    );
    expectInvalid(
      build(() => ({ decodedSourceMemory: Size.kibibytes(1536) })),
      'decodedSourceMemory 1.5 MiB',
    );
    expect(build(() => ({ decodedSourceMemory: Size.mebibytes(1024) }))).not.toThrow();
  });

  it('rejects a CPU size Fargate does not offer', () => {
    expectInvalid(
      build(() => ({ cpu: 300, memoryLimitMiB: 1024 })),
      'cpu 300',
      '256, 512, 1024',
    );
  });

  it('accepts every documented size at its edges', () => {
    for (const [cpu, memoryLimitMiB] of [
      [256, 512],
      [256, 2048],
      [512, 4096],
      [4096, 30720],
      [8192, 16384],
      [16384, 122880],
    ] as const) {
      expect(
        build(() => ({ cpu, memoryLimitMiB })),
        `${cpu}/${memoryLimitMiB}`,
      ).not.toThrow();
    }
  });

  it('rejects scaling targets out of range', () => {
    expectInvalid(
      build(() => ({ targetCpuUtilizationPercent: 0 })),
      'targetCpuUtilizationPercent 0',
    );
    expectInvalid(
      build(() => ({ targetRequestsPerTaskPerMinute: -3 })),
      'targetRequestsPerTaskPerMinute -3',
    );
  });
});

describe('timeouts, prefixes and query strings', () => {
  it('rejects a request timeout CloudFront cannot wait for, naming it', () => {
    expectInvalid(
      build(() => ({ requestTimeout: Duration.minutes(2) })),
      'requestTimeout 2 minutes',
    );
    expectInvalid(
      build(() => ({ requestTimeout: Duration.millis(200) })),
      'requestTimeout 200 millis',
    );
  });

  it('rejects a source prefix with a leading slash', () => {
    expectInvalid(
      build(() => ({ sourcePrefix: '/uploads/' })),
      "sourcePrefix '/uploads/'",
    );
  });

  it('rejects query parameter names that are not plain names, and more than CloudFront allows', () => {
    expectInvalid(() => new AcceptAwareCachePolicy(new Stack(new App(), 'T'), 'C', { queryStringAllowList: ['w', 'a b'] }), "'a b'");
    const eleven = Array.from({ length: 11 }, (_, i) => `p${i}`);
    expectInvalid(() => new AcceptAwareCachePolicy(new Stack(new App(), 'T'), 'C', { queryStringAllowList: eleven }), 'has 11 names');
  });

  it('names the construct path in the message', () => {
    expectInvalid(
      build(() => ({ minTasks: 3, maxTasks: 1 })),
      'Test/Images/Origin',
    );
  });
});

describe('ImageCdnStack', () => {
  it('refuses an existing VPC id in an environment-agnostic stack, naming the id', () => {
    expectInvalid(() => new ImageCdnStack(new App(), 'Agnostic', { vpcId: 'vpc-0abc1234' }), "vpcId 'vpc-0abc1234'", 'account and region');
  });

  it('refuses a signing secret ARN without its six-character suffix, naming it', () => {
    const partial = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:image-cdn/signing-keys';
    expectInvalid(() => new ImageCdnStack(new App(), 'Partial', { signing: { secret: partial } }), `'${partial}'`, 'six-character suffix');
    expect(() => new ImageCdnStack(new App(), 'Complete', { signing: { secret: `${partial}-AbCdEf` }, imageCdn: { image } })).not.toThrow();
  });

  const topicArn = 'arn:aws:sns:eu-west-1:111122223333:image-cdn-alarms';

  it('refuses an alarm topic ARN that is not an SNS topic ARN, naming it', () => {
    for (const arn of [
      'image-cdn-alarms',
      'arn:aws:sqs:eu-west-1:111122223333:alarms',
      'arn:aws:sns:eu-west-1:1111:alarms',
      'arn:aws:sns:eu-west-1:111122223333:a/b',
    ]) {
      expectInvalid(() => new ImageCdnStack(new App(), 'Arn', { alarmTopicArn: arn, imageCdn: { image } }), `alarmTopicArn '${arn}'`, 'not an SNS topic ARN');
    }
    for (const arn of [topicArn, 'arn:aws-us-gov:sns:us-gov-west-1:111122223333:alarms', 'arn:aws:sns:us-east-1:111122223333:alarms.fifo']) {
      expect(() => new ImageCdnStack(new App(), 'Arn', { alarmTopicArn: arn, imageCdn: { image } }), arn).not.toThrow();
    }
  });

  it('refuses an alarm email that is not an address, naming it', () => {
    expectInvalid(
      () => new ImageCdnStack(new App(), 'Email', { alarmEmail: 'ops@localhost', imageCdn: { image } }),
      "alarmEmail 'ops@localhost'",
      'not an email address',
    );
  });

  it('refuses a topic ARN and an email together, naming both', () => {
    expectInvalid(
      () => new ImageCdnStack(new App(), 'Both', { alarmTopicArn: topicArn, alarmEmail: 'ops@example.com', imageCdn: { image } }),
      `alarmTopicArn '${topicArn}'`,
      "alarmEmail 'ops@example.com'",
    );
  });

  it('refuses an alarm topic with no alarms to notify, or beside monitoring.alarmTopic', () => {
    expectInvalid(
      () => new ImageCdnStack(new App(), 'Off', { alarmEmail: 'ops@example.com', imageCdn: { image, monitoring: false } }),
      "alarmEmail 'ops@example.com'",
      'imageCdn.monitoring is false',
    );
    expectInvalid(
      () => new ImageCdnStack(new App(), 'NoAlarms', { alarmTopicArn: topicArn, imageCdn: { image, monitoring: { alarms: false } } }),
      'imageCdn.monitoring.alarms is false',
    );
    expectInvalid(() => {
      const app = new App();
      const other = new Stack(app, 'Other');
      new ImageCdnStack(app, 'Twice', { alarmTopicArn: topicArn, imageCdn: { image, monitoring: { alarmTopic: new sns.Topic(other, 'Topic') } } });
    }, 'imageCdn.monitoring.alarmTopic');
  });
});

describe('URL grammars, variants and signing', () => {
  const secret = (stack: Stack) => secretsmanager.Secret.fromSecretNameV2(stack, 'Keys', 'image-cdn/signing');

  it('rejects an unknown grammar, naming it, and an empty list', () => {
    expectInvalid(
      build(() => ({ grammars: ['cloudflare', 'akamai' as UrlGrammar] })),
      "grammars entry 'akamai'",
      'imgix',
    );
    expectInvalid(
      build(() => ({ grammars: [] })),
      'grammars is empty',
    );
  });

  it('rejects an ImageKit endpoint without the imagekit grammar, or one that is not a path prefix', () => {
    expectInvalid(
      build(() => ({ imagekitEndpoint: '/demo/' })),
      "imagekitEndpoint '/demo/'",
      "do not include 'imagekit'",
    );
    expectInvalid(
      build(() => ({ grammars: ['imagekit'], imagekitEndpoint: 'demo' })),
      "imagekitEndpoint 'demo'",
      "starts and ends with '/'",
    );
    expectInvalid(
      build(() => ({ grammars: ['imagekit'], imagekitEndpoint: '/a b/' })),
      "imagekitEndpoint '/a b/'",
    );
  });

  it("checks variants with the origin's own parser, naming the variant and the problem", () => {
    expectInvalid(
      build(() => ({ variants: { Thumb: 'width=120' } })),
      'variant name "Thumb"',
      'a-z, 0-9',
    );
    expectInvalid(
      build(() => ({ variants: { ['x'.repeat(65)]: 'width=120' } })),
      'x'.repeat(64),
    );
    expectInvalid(
      build(() => ({ variants: { thumb: '' } })),
      "variants entry 'thumb' is empty",
    );
    expectInvalid(
      build(() => ({ variants: { thumb: 'widht=120' } })),
      'variant "thumb"',
      'unknown option "widht"',
    );
    expectInvalid(
      build(() => ({ variants: { thumb: 'width=-1' } })),
      'variant "thumb"',
      'width',
    );
    expectInvalid(
      build(() => ({ variants: { thumb: 'variant=hero' } })),
      'variant "thumb" refers to another variant',
    );
  });

  it('rejects only-variants or a variant exemption without variants', () => {
    expectInvalid(
      build(() => ({ onlyVariants: true })),
      'onlyVariants is set but no variants',
    );
    expectInvalid(
      build(() => ({ onlyVariants: true, variants: {} })),
      'onlyVariants is set but no variants',
    );
    expectInvalid(
      build((stack) => ({ signing: { secret: secret(stack), exemptVariants: true } })),
      'signing.exemptVariants',
    );
  });

  it('rejects a signing mode the origin does not know, naming it', () => {
    expectInvalid(
      build((stack) => ({ signing: { secret: secret(stack), mode: 'always' as 'required' } })),
      "signing.mode 'always'",
    );
  });

  it('keeps signing keys out of the plain environment, and settings the props own out of it', () => {
    expectInvalid(
      build(() => ({ environment: { IMAGE_CDN_SIGNING_KEYS: 'a-secret-key-in-plain-text' } })),
      'IMAGE_CDN_SIGNING_KEYS',
      'signing.secret',
    );
    expectInvalid(
      build(() => ({ environment: { IMAGE_CDN_GRAMMARS: 'imgix' } })),
      'environment sets IMAGE_CDN_GRAMMARS',
    );
    expectInvalid(
      build(() => ({ environment: { IMAGE_CDN_CACHE_TAG_HEADER: 'Cache-Tag' } })),
      'environment sets IMAGE_CDN_CACHE_TAG_HEADER',
    );
    expectInvalid(
      build(() => ({ environment: { IMAGE_CDN_SOURCE_CACHE_MB: '64' } })),
      'environment sets IMAGE_CDN_SOURCE_CACHE_MB',
      'decodedSourceMemory',
    );
    expectInvalid(
      build(() => ({ environment: { IMAGE_CDN_SOURCE_LEVELS: 'false' } })),
      'environment sets IMAGE_CDN_SOURCE_LEVELS',
      'decodedSourceLevels',
    );
    // Set from props too: a value in environment would be overwritten without a word.
    expectInvalid(
      build(() => ({ environment: { PORT: '8080' } })),
      'environment sets PORT',
      'container port',
    );
    expectInvalid(
      build(() => ({ environment: { IMAGE_CDN_S3_BUCKET: 'other-bucket' } })),
      'environment sets IMAGE_CDN_S3_BUCKET',
      'bucket',
    );
    expectInvalid(
      build(() => ({ environment: { IMAGE_CDN_S3_PREFIX: 'other/' } })),
      'environment sets IMAGE_CDN_S3_PREFIX',
      'sourcePrefix',
    );
    expectInvalid(
      build(() => ({ environment: { IMAGE_CDN_REQUEST_TIMEOUT_MS: '1000' } })),
      'environment sets IMAGE_CDN_REQUEST_TIMEOUT_MS',
      'requestTimeout',
    );
  });

  it('rejects a version pattern the origin would refuse, naming it', () => {
    expectInvalid(
      build(() => ({ environment: { IMAGE_CDN_VERSION_PATTERN: 'v[0-9]+/' } })),
      "versionPattern 'v[0-9]+/'",
      "'^/'",
    );
    expectInvalid(
      build(() => ({ environment: { IMAGE_CDN_VERSION_PATTERN: '^/(v/' } })),
      "versionPattern '^/(v/'",
      'not a regular expression',
    );
    // The CloudFront function runs it on every request: cloudfront-js-2.0 has no lookbehind, and a
    // nested repetition can backtrack without bound on a hostile URL.
    expectInvalid(
      build(() => ({ environment: { IMAGE_CDN_VERSION_PATTERN: '^/(?<!x)v[0-9]+/' } })),
      "versionPattern '^/(?<!x)v[0-9]+/'",
      'lookbehind',
    );
    expectInvalid(
      build(() => ({ environment: { IMAGE_CDN_VERSION_PATTERN: '^/(v[0-9]+)+/' } })),
      "versionPattern '^/(v[0-9]+)+/'",
      'repeats a group',
    );
    expectInvalid(
      build(() => ({ environment: { IMAGE_CDN_VERSION_PATTERN: '^/(a|ab)*/' } })),
      "versionPattern '^/(a|ab)*/'",
      'repeats a group',
    );
  });

  it('rejects a cache key that would need more query strings than CloudFront allows, listing them', () => {
    const nine = Array.from({ length: 9 }, (_, i) => `p${i}`);
    expectInvalid(
      build((stack) => ({ queryStringAllowList: nine, signing: { secret: secret(stack) } })),
      'would need 11 query strings',
      'sig, expires',
    );
    expect(build((stack) => ({ queryStringAllowList: nine.slice(0, 8), signing: { secret: secret(stack) } }))).not.toThrow();
    expect(build(() => ({ queryStringAllowList: nine, grammars: ['cloudflare', 'imgix'] }))).not.toThrow();
  });

  it('rejects a cache-tag header that is not a header name (ImageOriginService alone)', () => {
    expectInvalid(() => {
      const stack = new Stack(new App(), 'T');
      new ImageOriginService(stack, 'Origin', { bucket: s3.Bucket.fromBucketName(stack, 'B', 'images'), image, cacheTagHeader: 'cache tag' });
    }, "cacheTagHeader 'cache tag'");
  });

  it('accepts every grammar with variants, only-variants and signing', () => {
    expect(
      build((stack) => ({
        grammars: ['cloudflare', 'imgix', 'cloudinary', 'imagekit'],
        imagekitEndpoint: '/my_imagekit_id/',
        variants: { thumb: 'width=120,height=120,fit=cover,format=auto', 'hero_2x-v2': 'width=3200' },
        onlyVariants: true,
        signing: { secret: secret(stack), mode: 'optional', exemptVariants: true },
      })),
    ).not.toThrow();
  });
});

describe('response headers', () => {
  it.each(['www.example.com', 'https://www.example.com/', 'https://exa mple.com', 'ftp://example.com', 'https://www.*.example.com', ''])(
    'rejects CORS origin %j, naming it',
    (origin) => {
      expectInvalid(
        build(() => ({ corsAllowOrigins: [origin] })),
        `corsAllowOrigins entry '${origin}'`,
      );
    },
  );

  it('rejects a wildcard-subdomain origin for Timing-Allow-Origin, which has no such form', () => {
    expectInvalid(
      build(() => ({ timingAllowOrigins: ['https://*.example.com'] })),
      "timingAllowOrigins entry 'https://*.example.com'",
    );
  });

  it("rejects '*' listed with other origins", () => {
    expectInvalid(
      build(() => ({ corsAllowOrigins: ['*', 'https://www.example.com'] })),
      'corsAllowOrigins ["*","https://www.example.com"]',
      'give it alone',
    );
  });

  it('rejects an HSTS max-age that is not whole seconds, naming it', () => {
    expectInvalid(
      build(() => ({ hstsMaxAge: Duration.millis(1500) })),
      'hstsMaxAge 1 second 500 millis',
    );
    expectInvalid(
      build(() => ({ hstsMaxAge: Duration.seconds(0) })),
      'hstsMaxAge 0 seconds',
      'hsts: false',
    );
  });

  it('rejects preload without includeSubdomains or a year of max-age, and HSTS settings with HSTS off', () => {
    expectInvalid(
      build(() => ({ hstsPreload: true })),
      'hstsPreload',
      'includeSubdomains false',
    );
    expectInvalid(
      build(() => ({ hstsPreload: true, hstsIncludeSubdomains: true, hstsMaxAge: Duration.days(180) })),
      'max-age 180 days',
    );
    expectInvalid(
      build(() => ({ hsts: false, hstsMaxAge: Duration.days(30) })),
      'hstsMaxAge is set but hsts is false',
    );
  });

  it('rejects header props next to a whole responseHeadersPolicy, naming the prop', () => {
    expectInvalid(
      build(() => ({ responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.CORS_ALLOW_ALL_ORIGINS, hsts: false })),
      'hsts false cannot be combined with responseHeadersPolicy',
    );
  });

  it('accepts origins with ports and wildcard subdomains for CORS', () => {
    expect(build(() => ({ corsAllowOrigins: ['https://www.example.com:8443', 'http://localhost:3000', 'https://*.example.org'] }))).not.toThrow();
  });
});
