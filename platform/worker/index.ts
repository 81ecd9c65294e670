export { DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from './backoff.js';
export { Dispatcher, type DeliveredEvent, type DispatcherOptions, type EventHandler } from './dispatcher.js';
