/**
 * cdk-nag's AwsSolutions pack over the stack `cdk deploy` builds by default, and over a fully
 * configured one: no unacknowledged finding, and every acknowledgement names a reason and
 * matches a finding that really occurs (none is stale or broader than its finding).
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImageCdn, ImageCdnStack } from '../../lib/cdk/index.js';
import { nagAcknowledgements, nagFindings } from '../support/nag.js';

let defaultStack: ImageCdnStack;
let configuredStack: Stack;
let urlFeaturesStack: Stack;
let flaggedStack: ImageCdnStack;
let alarmEmailStack: ImageCdnStack;

beforeAll(() => {
  const app = new App();
  defaultStack = new ImageCdnStack(app, 'Defaults');
  configuredStack = new Stack(app, 'Configured', { env: { account: '111122223333', region: 'eu-west-1' } });
  new ImageCdn(configuredStack, 'Images', {
    domainName: 'images.example.com',
    certificate: acm.Certificate.fromCertificateArn(
      configuredStack,
      'Cert',
      'arn:aws:acm:us-east-1:111122223333:certificate/0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7',
    ),
    originShieldRegion: 'eu-west-1',
    sourcePrefix: 'uploads/',
    requestTimeout: Duration.seconds(20),
    cloudFrontPrefixListId: 'pl-4fa04526',
  });
  urlFeaturesStack = new Stack(app, 'UrlFeatures');
  new ImageCdn(urlFeaturesStack, 'Images', {
    grammars: ['cloudflare', 'imgix', 'cloudinary', 'imagekit'],
    variants: { thumb: 'width=120,height=120,fit=cover,format=auto' },
    onlyVariants: true,
    // Referenced by name: the execution role's policy names the secret with Secrets Manager's `-??????` suffix.
    signing: { secret: secretsmanager.Secret.fromSecretNameV2(urlFeaturesStack, 'SigningKeys', 'image-cdn/signing-keys'), exemptVariants: true },
  });
  // The topic `cdk deploy -c alarmEmail=…` creates for the alarms.
  alarmEmailStack = new ImageCdnStack(app, 'AlarmEmail', { alarmEmail: 'ops@example.com' });
  app.synth();
  // The feature flags `cdk init` writes into a new app's cdk.json (and this repository's).
  const flagged = new App({ context: CURRENTLY_RECOMMENDED_FLAGS });
  flaggedStack = new ImageCdnStack(flagged, 'Flagged');
  flagged.synth();
});

const findings = nagFindings;
const acknowledgements = nagAcknowledgements;

describe.each([
  ['the default stack', () => defaultStack],
  ['a stack with domain, Origin Shield, prefix list and ALB access logs', () => configuredStack],
  ['a stack with every grammar, variants and signing keys from Secrets Manager', () => urlFeaturesStack],
  ["the default stack under aws-cdk-lib's recommended feature flags", () => flaggedStack],
  ['the default stack with an email topic for its alarms', () => alarmEmailStack],
])('AwsSolutions on %s', (_name, stack) => {
  it('has no unacknowledged errors or warnings', () => {
    expect(findings(stack(), true)).toEqual([]);
  });

  it('acknowledges only findings that occur, each under the construct that owns it', () => {
    const all = findings(stack(), false);
    expect(all.length).toBeGreaterThan(0);
    for (const ack of acknowledgements(stack())) {
      const matched = all.filter((finding) => finding.rule === ack.rule && (finding.path === ack.path || finding.path.startsWith(`${ack.path}/`)));
      expect(matched, `${ack.rule} at ${ack.path}`).not.toEqual([]);
    }
  });

  it('gives every acknowledgement a specific reason', () => {
    const acks = acknowledgements(stack());
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.length, `${ack.rule} at ${ack.path}`).toBeGreaterThanOrEqual(40);
      expect(ack.reason).not.toMatch(/^(suppress|ignore|n\/a|todo|not needed)/i);
    }
  });
});
