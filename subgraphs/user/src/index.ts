export { createDb, type UserDb } from './db';
export { loadUserConfig, type UserConfig } from './env';
export { JWKS_PATH, startUserSubgraph, typeDefs, type UserSubgraphOptions } from './server';
export { DEFAULT_LOGIN_THROTTLE, type LoginThrottleRules } from './services/login-throttle';
export { hashPasswords, seedUsers, type SeedUsersOptions } from './seed';
export { createMailer, type Mailer } from './notifications/mailer';
export { NotificationService } from './notifications/notification.service';
export { createNotificationWorker } from './notifications/notification.worker';
export { createNotificationWorkers, type NotificationWorkers, type NotificationWorkersOptions } from './notifications/notification.runtime';
export { createWebhookQueue, createWebhookWorker, webhookJobOptions, type WebhookRetryOptions } from './notifications/webhook.worker';
export { WebhookDeliveryService, webhookEventType, type WebhookEvent } from './notifications/webhook-delivery.service';
export { WebhookHeader, signWebhook, verifyWebhookSignature } from './notifications/webhook-signature';
export { BlockedWebhookAddressError, isPrivateAddress } from './notifications/webhook-network';
export { formatMoney, orderNumber, renderOrderEmail } from './notifications/order-email';
export { DEFAULT_ACCOUNT_EMAIL_THROTTLE, type AccountEmailThrottleRules } from './services/account.service';
export { ACCOUNT_TOKEN_TTL_SECONDS } from './services/account-tokens';
export { ORDER_KIND_CATEGORY, type NotificationServiceOptions } from './notifications/notification.service';
export {
  createChannels,
  emailChannel,
  fileTransport,
  httpTransport,
  pushChannel,
  smsChannel,
  type ExtraChannels,
  type NotificationChannel,
  type NotificationMessage,
  type MessageTransport,
} from './notifications/channels';
export { accountLink, renderAccountEmail } from './notifications/account-email';
