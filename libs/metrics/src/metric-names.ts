/** Every Spillway metric name starts with this, so dashboards can select them at once. */
export const METRIC_PREFIX = 'spillway_';
