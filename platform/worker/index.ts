export { DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from './backoff.js';
export { Dispatcher, type DeliveredEvent, type DispatcherOptions } from './dispatcher.js';
