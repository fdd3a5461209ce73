export * from './email-log.js';
export * from './in-app.js';
export * from './preferences.js';
export * from './recipients.js';
export * from './webhooks.js';
export * from './listen.js';
