export type { AlarmName, ImageCdnAlarms } from './alarms.js';
export { DEFAULT_CACHE_HIT_RATE_FLOOR } from './alarm-defaults.js';
export { ImageCdnMonitoring } from './image-cdn-monitoring.js';
export { CLOUDFRONT_METRICS_REGION } from './metrics.js';
export type {
  AlarmTuning,
  CacheHitRateAlarmTuning,
  FargateOriginCompute,
  ImageCdnAlarmOptions,
  ImageCdnMonitoringOptions,
  ImageCdnMonitoringProps,
  LambdaOriginCompute,
  OriginComputeToMonitor,
} from './options.js';
export type { AccessLogQueries } from './queries.js';
