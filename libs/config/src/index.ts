export { env } from './env-schema';
export { httpEnv, redisEnv, freeQuotaEnv, jwtEnv } from './shared-env';
export { loadConfig, parseConfig, ConfigValidationError, type ConfigSchema } from './load-config';
export { ConfigModule, APP_CONFIG } from './config.module';
export { describeSchema, type EnvVarDoc } from './describe-schema';
