interface SdkRequest {
  readonly protocol?: string;
  readonly hostname?: string;
  readonly port?: number;
}
type Handler = (args: { readonly request: unknown }) => Promise<unknown>;
/** The one overload of `middlewareStack.add` used here (the SDK's type has one per step). */
interface FinalizeRequestStack {
  add(middleware: (next: Handler) => Handler, options: { step: 'finalizeRequest'; name: string; override: boolean }): void;
}
/** Any SDK v3 client. */
export interface ClientWithMiddleware {
  readonly middlewareStack: object;
}

/**
 * Remembers where a client last sent a request (`http://127.0.0.1:9000`,
 * `https://bucket.s3.eu-west-1.amazonaws.com`), so a timeout can name the endpoint that did not
 * answer. The endpoint is only known per request: the SDK resolves it from the region,
 * AWS_ENDPOINT_URL_* and the bucket. Only for clients the kit creates; a caller's client is left alone.
 */
export function watchEndpoint(client: ClientWithMiddleware): () => string | undefined {
  let last: string | undefined;
  (client.middlewareStack as FinalizeRequestStack).add(
    (next) => async (args) => {
      const { protocol, hostname, port } = args.request as SdkRequest;
      if (hostname) last = `${protocol ?? 'https:'}//${hostname}${port ? `:${port}` : ''}`;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'imageCdnEndpointWatch', override: true },
  );
  return () => last;
}
