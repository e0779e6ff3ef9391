export { createDb, type UserDb } from './db';
export { loadUserConfig, type UserConfig } from './env';
export { startUserSubgraph, typeDefs } from './server';
export { seedUsers } from './seed';
export { createMailer, type Mailer } from './services/mailer';
export { NotificationService } from './services/notification.service';
export { createNotificationWorker } from './workers/notification.worker';
