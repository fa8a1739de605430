#!/usr/bin/env node
// The CDK app behind `npx cdk synth` / `npx cdk deploy`: one ImageCdnStack configured from
// context (-c key=value) or IMAGE_CDN_* environment variables. See docs/deployment.md.
import { App, Validations } from 'aws-cdk-lib';
import { ImageCdnStack } from '../lib/cdk/index.js';
import { readAppSettings } from './app-settings.js';

const app = new App();
const settings = readAppSettings((key) => app.node.tryGetContext(key), process.env);
new ImageCdnStack(app, settings.stackName, settings.stackProps);

// `-c nag=true` runs cdk-nag's AwsSolutions pack (a dev dependency) during synth.
const nag: unknown = app.node.tryGetContext('nag');
if (nag === true || nag === 'true') {
  const { AwsSolutionsChecks } = await import('cdk-nag');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

app.synth();
