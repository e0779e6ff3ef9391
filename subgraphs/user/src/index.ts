export { createDb, type UserDb } from './db';
export { loadUserConfig, type UserConfig } from './env';
export { JWKS_PATH, startUserSubgraph, typeDefs, type UserSubgraphOptions } from './server';
export { DEFAULT_LOGIN_THROTTLE, type LoginThrottleRules } from './services/login-throttle';
export { seedUsers } from './seed';
export { createMailer, type Mailer } from './services/mailer';
export { NotificationService } from './services/notification.service';
export { createNotificationWorker } from './workers/notification.worker';
