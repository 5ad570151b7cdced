export { MetricsModule, MetricsController } from './metrics.module';
export { METRIC_PREFIX } from './metric-names';
// The injection token features use to register their own metrics.
export { Registry } from 'prom-client';
