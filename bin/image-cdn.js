#!/usr/bin/env node
// Runs the TypeScript CLI in place (tsx), so a clone needs no build step before `npx image-cdn`.
import { register } from 'tsx/esm/api';

register();
await import('./image-cdn.ts');
