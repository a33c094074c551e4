// Configuration, read and validated once at cold start: a bad value fails the first
// invocation with a message naming the variable, never its value.
import * as z from 'zod/mini';

const positiveText = z.string().check(z.minLength(1));

const schema = z.object({
  TABLE_NAME: z.string().check(z.minLength(3)),
  PROFILE_CLAIM: z._default(positiveText, 'sub'),
  /** The claim naming the caller's account, for secrets shared account-wide. */
  ACCOUNT_CLAIM: z._default(positiveText, 'account'),
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  /** Local and test key source: comma-separated Fernet keys, primary first. */
  FERNET_KEYS: z.optional(positiveText),
  /** Production key source: an SSM SecureString parameter holding the same list. */
  FERNET_KEYS_PARAMETER: z.optional(positiveText),
  RETENTION_DAYS: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(3650)), 30),
  EVENT_BUS_NAME: z.optional(positiveText),
  /** How long a fetched key list is used before it is fetched again (docs/OPERATIONS.md). */
  KEY_CACHE_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(3600)), 300),
  /** The functions' timeout (serverless.yml sets it): how long a sealed value can take to reach the table. */
  FUNCTION_TIMEOUT_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(900)), 30),
  /** Endpoint overrides, read as the AWS SDK reads them: the service's own, then the SDK-wide one. */
  AWS_ENDPOINT_URL_SSM: z.optional(z.url()),
  AWS_ENDPOINT_URL_EVENTBRIDGE: z.optional(z.url()),
  AWS_ENDPOINT_URL: z.optional(z.url()),
  AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: z.optional(z.string()),
  /** Set by serverless-offline: audit events go to the log instead of EventBridge. */
  IS_OFFLINE: z.optional(z.string()),
  /** Versions of a value kept, the current one included (docs/API.md, "Value history"). */
  VALUE_VERSIONS: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(50)), 10),
  /** Days a deleted secret can be restored; 0 deletes at once; a fraction is a shorter window (tests). */
  RECOVERY_DAYS: z._default(z.coerce.number().check(z.minimum(0), z.maximum(365)), 7),
  MAX_BODY_BYTES: z._default(z.coerce.number().check(z.int(), z.minimum(1024)), 256 * 1024),
});

export type Config = z.output<typeof schema>;

/** The endpoint the SDK would use for a service with this environment, or undefined for AWS's own. */
export function endpointFor(config: Config, service: 'SSM' | 'EVENTBRIDGE'): string | undefined {
  if (config.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true') return undefined;
  return config[`AWS_ENDPOINT_URL_${service}`] ?? config.AWS_ENDPOINT_URL;
}

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
