import { envVar } from '../settings/registry.js';
import { SIGNING_KEYS_SECRET_ENV } from '../signing/keys-secret.js';
import { sdkRequestHandler } from '../sources/sdk-request-handler.js';

/**
 * `env` with the signing keys from the secret as `IMAGE_CDN_SIGNING_KEYS`, read with the function's
 * own role; `env` itself when no secret is named. The keys stay out of the function's configuration,
 * as they stay out of the task definition on ECS.
 */
export async function withSigningKeys(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  const secretId = env[SIGNING_KEYS_SECRET_ENV];
  if (secretId === undefined || secretId === '') return env;
  // Loaded only when signing is on: the SDK client costs init time that unsigned origins need not pay.
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({
    maxAttempts: 3,
    requestHandler: sdkRequestHandler({ connectionTimeoutMs: 3_000, requestTimeoutMs: 5_000 }),
  });
  try {
    const { SecretString: keys } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (keys === undefined || keys.trim() === '') {
      throw new Error(`secret ${secretId} has no text value; store the signing keys as its plain-text value, comma-separated`);
    }
    return { ...env, [envVar('signingKeys')]: keys.trim() };
  } finally {
    client.destroy();
  }
}
