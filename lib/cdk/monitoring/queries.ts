import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * CloudWatch Logs Insights queries over the origin's JSON access log: one line per response with
 * `method`, `path`, `status`, `bytes`, `ms`, `outcome`, `error` (the error tag, on errors) and
 * `timings` (`fetch`, `header`, `transform`), written by `origin/src/http/image-origin.ts`.
 * The same log group holds the EMF lines, which have no `status`, so every query filters on it.
 */

/** The 50 slowest transforms, with where their time went. */
export const SLOWEST_TRANSFORMS = new logs.QueryString({
  fields: ['@timestamp', 'status', 'ms', 'timings.fetch', 'timings.header', 'timings.transform', 'bytes', 'path'],
  filterStatements: ['ispresent(status)', 'outcome = "transformed"'],
  sort: 'ms desc',
  limit: 50,
});

/** The error tags answered most often, with their status codes. */
export const TOP_ERROR_TAGS = new logs.QueryString({
  filterStatements: ['ispresent(status)', 'ispresent(error)'],
  statsStatements: ['count(*) as responses by error, status'],
  sort: 'responses desc',
  limit: 25,
});

/**
 * Lambda cold starts from the platform's REPORT lines: `@initDuration` in the text log format,
 * `record.metrics.initDurationMs` in the JSON one. AWS/Lambda has no init-duration metric
 * without Lambda Insights, so the log is the only honest source.
 */
export const LAMBDA_INIT_DURATION = new logs.QueryString({
  fields: ['coalesce(@initDuration, record.metrics.initDurationMs) as initMs'],
  filterStatements: ['ispresent(initMs)'],
  statsStatements: ['count(*) as coldStarts, avg(initMs) as avgMs, pct(initMs, 99) as p99Ms, max(initMs) as maxMs by bin(5m)'],
});

export interface AccessLogQueries {
  readonly slowestTransforms: logs.QueryDefinition;
  readonly topErrorTags: logs.QueryDefinition;
}

/** The access-log queries saved in Logs Insights, in a folder named after the deployment. */
export function saveAccessLogQueries(scope: Construct, logGroup: logs.ILogGroup, folder: string): AccessLogQueries {
  const queries = new Construct(scope, 'Queries');
  const save = (id: string, name: string, queryString: logs.QueryString) =>
    new logs.QueryDefinition(queries, id, { queryDefinitionName: `${folder}/${name}`, queryString, logGroups: [logGroup] });
  return {
    slowestTransforms: save('SlowestTransforms', 'slowest-transforms', SLOWEST_TRANSFORMS),
    topErrorTags: save('TopErrorTags', 'top-error-tags', TOP_ERROR_TAGS),
  };
}
