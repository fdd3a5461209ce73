export * from './events.js';
export * from './redis.js';
export * from './lifecycle-events.js';
export * from './queues.js';
export * from './shared-queues.js';
