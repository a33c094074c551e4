// Configuration, read and validated once at cold start: a bad value fails the first
// invocation with a message naming the variable, never its value.
import * as z from 'zod/mini';

const positiveText = z.string().check(z.minLength(1));

const schema = z.object({
  TABLE_NAME: z.string().check(z.minLength(3)),
  PROFILE_CLAIM: z._default(positiveText, 'sub'),
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  /** Local and test key source: comma-separated Fernet keys, primary first. */
  FERNET_KEYS: z.optional(positiveText),
  /** Production key source: an SSM SecureString parameter holding the same list. */
  FERNET_KEYS_PARAMETER: z.optional(positiveText),
  RETENTION_DAYS: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(3650)), 30),
  EVENT_BUS_NAME: z.optional(positiveText),
  /** Endpoint overrides, named as the AWS SDK names them (tests, VPC endpoints). */
  AWS_ENDPOINT_URL_SSM: z.optional(z.url()),
  AWS_ENDPOINT_URL_EVENTBRIDGE: z.optional(z.url()),
  /** Set by serverless-offline: audit events go to the log instead of EventBridge. */
  IS_OFFLINE: z.optional(z.string()),
  MAX_BODY_BYTES: z._default(z.coerce.number().check(z.int(), z.minimum(1024)), 256 * 1024),
});

export type Config = z.output<typeof schema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = z.safeParse(schema, env);
  if (!result.success) {
    const variables = result.error.issues.map((i) => `${i.path.join('.')} (${i.message})`);
    throw new ConfigError(`Invalid configuration: ${variables.join('; ')}`);
  }
  if (!result.data.FERNET_KEYS && !result.data.FERNET_KEYS_PARAMETER) {
    throw new ConfigError('Invalid configuration: set FERNET_KEYS or FERNET_KEYS_PARAMETER');
  }
  return result.data;
}
