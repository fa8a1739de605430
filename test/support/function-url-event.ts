/**
 * Lambda function URL events (payload format 2.0) as a function URL builds them for a request from
 * CloudFront through an origin access control: the path and query exactly as sent (`rawPath`,
 * `rawQueryString`), lowercase header names with repeated headers joined by commas, the IAM caller
 * in `requestContext.authorizer`, and no body for GET and HEAD.
 */
export interface EventRequest {
  readonly method?: 'GET' | 'HEAD';
  /** The request target as sent: path and optional query, percent-encoding untouched. */
  readonly target: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const URL_ID = 'e4rxgvhywfhqkxzojjlr6pbcqy0sfrqo';
const DOMAIN = `${URL_ID}.lambda-url.eu-west-1.on.aws`;

export function functionUrlEvent({ method = 'GET', target, headers = {} }: EventRequest) {
  const queryStart = target.indexOf('?');
  const rawPath = queryStart < 0 ? target : target.slice(0, queryStart);
  const rawQueryString = queryStart < 0 ? '' : target.slice(queryStart + 1);
  const queryStringParameters =
    rawQueryString === ''
      ? undefined
      : Object.fromEntries(
          [...new URLSearchParams(rawQueryString)].map(([name], _, all) => [
            name,
            all
              .filter(([other]) => other === name)
              .map(([, value]) => value)
              .join(','),
          ]),
        );
  return {
    version: '2.0' as const,
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: {
      host: DOMAIN,
      'x-amzn-tls-version': 'TLSv1.3',
      'x-forwarded-proto': 'https',
      'x-forwarded-port': '443',
      'x-forwarded-for': '130.176.98.17',
      'x-amzn-tls-cipher-suite': 'TLS_AES_128_GCM_SHA256',
      'x-amzn-trace-id': 'Root=1-6761e8a5-2c5f2b7e1d0a4f6b3c8e9d01',
      'x-amz-cf-id': 'q3Mb7tnMJ1aXk0N9wWcV2e2lU8kGmZ0nJk8sFv9cYQvYp4R3hTq1Ag==',
      'user-agent': 'Amazon CloudFront',
      via: '2.0 2b1e0b1e6d2f7b4a5e6b7c8d9e0f1a2b.cloudfront.net (CloudFront)',
      ...headers,
    },
    ...(queryStringParameters && { queryStringParameters }),
    requestContext: {
      accountId: '111122223333',
      apiId: URL_ID,
      authorizer: {
        iam: {
          accessKey: 'ASIAQWERTYUIOPASDFGH',
          accountId: '111122223333',
          callerId: 'AROAQWERTYUIOPASDFGHJ:CloudFront',
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: 'arn:aws:sts::111122223333:assumed-role/CloudFront/CloudFront',
          userId: 'AROAQWERTYUIOPASDFGHJ:CloudFront',
        },
      },
      domainName: DOMAIN,
      domainPrefix: URL_ID,
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '130.176.98.17', userAgent: 'Amazon CloudFront' },
      requestId: 'a5e3b4f2-6c1d-4e8a-9b7f-0d2c1e3f4a5b',
      routeKey: '$default',
      stage: '$default',
      time: '17/Dec/2024:21:10:29 +0000',
      timeEpoch: 1734469829000,
    },
    isBase64Encoded: false,
  };
}
