/**
 * The Lambda origin's environment variable naming the Secrets Manager secret (its ARN) that holds
 * the signing keys, comma-separated. ECS injects a secret into a task's environment itself; Lambda
 * has no such injection, so the function reads the secret once per instance, at start
 * (origin/src/lambda/signing-keys.ts), and the constructs name it here.
 */
export const SIGNING_KEYS_SECRET_ENV = 'IMAGE_CDN_SIGNING_KEYS_SECRET';
