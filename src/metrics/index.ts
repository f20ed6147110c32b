/** Prometheus metrics: one registry per process (never the global default) and the `/metrics` route. */
export { metricsPlugin } from "./plugin.js";
export {
  createMetrics,
  type Metrics,
  type MetricsOptions,
  type QueueDepthSource,
  queueDepthStates,
} from "./registry.js";
