/** What an invalidation call reports: shared by the call and its timeout error. */
export interface InvalidationSummary {
  readonly id: string;
  /** `InProgress` or `Completed`; the last status seen. */
  readonly status: string;
  /** The items as CloudFront recorded them: paths (encoded, wildcards kept) and `#tag`s. */
  readonly paths: readonly string[];
  readonly callerReference: string;
  /** ISO 8601, as reported by CloudFront. */
  readonly createTime?: string | undefined;
  /**
   * CloudFront answered with an invalidation created before this call: the caller reference had
   * already been used for the same paths, so nothing new was purged.
   */
  readonly reused: boolean;
}

export interface InvalidateResult {
  readonly distributionId: string;
  readonly invalidations: readonly InvalidationSummary[];
}
