/**
 * The CloudFront and CloudFormation clients `invalidate` and `distributionIdFromStack` create when
 * given none: region, credentials and endpoint from the SDK's standard chain
 * (AWS_ENDPOINT_URL_CLOUDFRONT, AWS_ENDPOINT_URL_CLOUDFORMATION), with bounded calls.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { type ClientLimits, resolveClientLimits, sdkClientConfig } from '../aws/client-limits.js';
import { DEFAULT_AWS_API_LIMITS } from './settings.js';
import { type ClientWithMiddleware, watchEndpoint } from '../aws/endpoint-watch.js';
import { explainTimeouts } from '../aws/timeout-error.js';

/** A client, whether this module owns it, and `send` with timeouts named after the service and endpoint. */
export interface ServiceClient<Client> {
  readonly client: Client;
  /** Calls `client.send(command)`; an SDK timeout becomes a ServiceTimeoutError. */
  send<Output>(call: (client: Client) => Promise<Output>): Promise<Output>;
  /** Destroys the client if this module created it. */
  release(): void;
}

function serviceClient<Client extends ClientWithMiddleware & { destroy(): void }>(
  service: string,
  given: Client | undefined,
  create: () => Client,
): ServiceClient<Client> {
  const client = given ?? create();
  const endpoint = given ? () => undefined : watchEndpoint(client);
  return {
    client,
    send: (call) => explainTimeouts(service, endpoint, call(client)),
    release: () => {
      if (!given) client.destroy();
    },
  };
}

export function cloudFrontClient(given: CloudFrontClient | undefined, limits: ClientLimits): ServiceClient<CloudFrontClient> {
  const config = sdkClientConfig(resolveClientLimits(limits, DEFAULT_AWS_API_LIMITS));
  return serviceClient('CloudFront', given, () => new CloudFrontClient(config));
}

export function cloudFormationClient(given: CloudFormationClient | undefined, limits: ClientLimits): ServiceClient<CloudFormationClient> {
  const config = sdkClientConfig(resolveClientLimits(limits, DEFAULT_AWS_API_LIMITS));
  return serviceClient('CloudFormation', given, () => new CloudFormationClient(config));
}
