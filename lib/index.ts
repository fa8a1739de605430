export * from './invalidate.js';
