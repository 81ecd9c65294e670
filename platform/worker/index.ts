export { DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from './backoff.js';
export {
  DEFAULT_BATCH_SIZE,
  DEFAULT_POLL_MS,
  Dispatcher,
  type DeliveredEvent,
  type DispatcherDeps,
  type DispatcherOptions,
} from './dispatcher.js';
