// Configuration, read and validated once at cold start: a bad value fails the first
// invocation with a message naming the variable, never its value.
import { z } from 'zod';

const schema = z.object({
  TABLE_NAME: z.string().min(3),
  PROFILE_CLAIM: z.string().min(1).default('sub'),
  DYNAMODB_ENDPOINT: z.url().optional(),
  /** Local and test key source: comma-separated Fernet keys, primary first. */
  FERNET_KEYS: z.string().min(1).optional(),
  /** Production key source: an SSM SecureString parameter holding the same list. */
  FERNET_KEYS_PARAMETER: z.string().min(1).optional(),
  RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  EVENT_BUS_NAME: z.string().min(1).optional(),
  /** Set by serverless-offline: audit events go to the log instead of EventBridge. */
  IS_OFFLINE: z.string().optional(),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(256 * 1024),
});

export type Config = z.output<typeof schema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const variables = result.error.issues.map((i) => `${i.path.join('.')} (${i.message})`);
    throw new ConfigError(`Invalid configuration: ${variables.join('; ')}`);
  }
  if (!result.data.FERNET_KEYS && !result.data.FERNET_KEYS_PARAMETER) {
    throw new ConfigError('Invalid configuration: set FERNET_KEYS or FERNET_KEYS_PARAMETER');
  }
  return result.data;
}
