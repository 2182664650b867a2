// Version strings. Clients (ioredis's ready check, redis-cli) read redis_version from INFO and
// HELLO, so we report the Redis version whose behaviour we follow, and our own beside it.
export const VERSION = '0.1.0';
export const REDIS_VERSION = '7.0.15';
