export { WebhookDeliveries, type Outcome } from './delivery.js';
export { checkDestination, DeliveryFailure } from './destination.js';
export { checkEvents, webhookIdOf, webhookSubscriber } from './subscriber.js';
export {
  Webhooks,
  type Webhook,
  type WebhookChanges,
  type WebhookDelivery,
  type WebhookInput,
  type WebhookNotice,
} from './webhooks.js';
