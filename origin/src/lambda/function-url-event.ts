/**
 * What the origin reads of a Lambda function URL event (payload format 2.0), and the Request it
 * describes. A function URL passes the path and query as the client sent them (`rawPath`,
 * `rawQueryString`), percent-encoding untouched; header names are lowercase, repeated headers are
 * joined with commas, and cookies come apart in `cookies`, which the origin never reads. GET and
 * HEAD carry no body, and the origin answers any other method 405 without reading one.
 */
export interface FunctionUrlEvent {
  readonly version: '2.0';
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly cookies?: readonly string[];
  readonly requestContext: {
    /** The function URL's own host (`<url-id>.lambda-url.<region>.on.aws`). */
    readonly domainName: string;
    readonly http: { readonly method: string; readonly path: string };
  };
  readonly body?: string;
  readonly isBase64Encoded: boolean;
}

/** The request target as the client sent it: path and query, percent-encoding and dot segments untouched. */
export function targetOf(event: FunctionUrlEvent): string {
  return event.rawQueryString === '' ? event.rawPath : `${event.rawPath}?${event.rawQueryString}`;
}

/** The event as a fetch Request (method, headers; its URL is the target's WHATWG-parsed form). */
export function requestOf(event: FunctionUrlEvent): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers.set(name, value);
  }
  return new Request(`https://${event.requestContext.domainName}${targetOf(event)}`, {
    method: event.requestContext.http.method,
    headers,
  });
}
