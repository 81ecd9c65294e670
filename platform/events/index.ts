export { EventBus, EVENT_COLUMNS, EVENTS_CHANNEL, type Actor, type EmitOptions, type Producer, type StoredEvent } from './bus.js';
export { EventError } from './errors.js';
export { EventOperations, parseDeliveryId } from './operations.js';
export { EventRetention, type PruneReport, type RetentionOptions } from './retention.js';
export { openCursor } from './cursors.js';
