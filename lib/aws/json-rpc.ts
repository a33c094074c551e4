// A caller for AWS JSON-protocol APIs (SSM, EventBridge) without their SDK clients, on the
// DynamoDB client's credentials, hash, HTTP handler and clock offset, with the SDK's own SigV4
// signer and retry strategy: docs/DESIGN.md, "SSM and EventBridge without their SDK clients".
// What remains here is the wire format.
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StandardRetryStrategy, isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { HttpRequest } from '@smithy/core/transport';
import { SignatureV4 } from '@smithy/signature-v4';

export interface AwsJsonService {
  /** SigV4 signing name, also the endpoint's first label: 'ssm', 'events'. */
  signingName: string;
  /** Prefix of the X-Amz-Target header: 'AmazonSSM', 'AWSEvents'. */
  targetPrefix: string;
  /** The service's JSON protocol version (its Content-Type). */
  jsonVersion: '1.0' | '1.1';
  /** Overrides the regional endpoint (tests, VPC endpoints); like the SDK's AWS_ENDPOINT_URL_<SERVICE>. */
  endpoint?: string;
  maxAttempts?: number;
  /** Per attempt. */
  timeoutMs?: number;
}

/** An error the service returned, shaped like the SDK's so the SDK's classifiers read it. */
export class AwsServiceError extends Error {
  readonly $metadata: { httpStatusCode?: number; attempts?: number };
  constructor(
    override readonly name: string,
    message: string,
    httpStatusCode?: number,
  ) {
    super(message);
    this.$metadata = { httpStatusCode };
  }
}

export type AwsJsonCall = <Output = Record<string, unknown>>(operation: string, input: object) => Promise<Output>;

// The aws and aws-cn partitions; anything else (GovCloud ISO regions) needs `endpoint`.
const dnsSuffix = (region: string) => (region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com');

/** A caller for one service, signing with the credentials of `base`. */
export function awsJsonRpc(base: DynamoDBClient, service: AwsJsonService): AwsJsonCall {
  const { config } = base;
  const signer = new SignatureV4({
    service: service.signingName,
    region: config.region,
    credentials: config.credentials,
    sha256: config.sha256,
  });
  const maxAttempts = service.maxAttempts ?? 3;
  const retries = new StandardRetryStrategy(maxAttempts);
  const timeoutMs = service.timeoutMs ?? 3_000;

  let endpoint: Promise<URL> | undefined;
  const endpointOf = () =>
    (endpoint ??= config.region().then(
      (region) => new URL(service.endpoint ?? `https://${service.signingName}.${region}.${dnsSuffix(region)}`),
    ));

  async function attempt(operation: string, body: string, sdkHeaders: Record<string, string>): Promise<unknown> {
    const url = await endpointOf();
    const request = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      headers: {
        host: url.host,
        'content-type': `application/x-amz-json-${service.jsonVersion}`,
        'x-amz-target': `${service.targetPrefix}.${operation}`,
        ...sdkHeaders,
      },
      body,
    });
    const signed = await signer.sign(request, { signingDate: new Date(Date.now() + (config.systemClockOffset ?? 0)) });
    const deadline = AbortSignal.timeout(timeoutMs);
    let status: number, headers: Record<string, string>, text: string;
    try {
      const { response } = await config.requestHandler.handle(signed as HttpRequest, { abortSignal: deadline });
      ({ statusCode: status, headers } = response);
      text = new TextDecoder().decode(await config.streamCollector(response.body));
    } catch (error) {
      // Named like the SDK's own timeouts and network errors, which its classifiers call transient.
      if (deadline.aborted) throw Object.assign(new Error(`${operation} took over ${timeoutMs} ms`), { name: 'TimeoutError', $metadata: {} });
      throw Object.assign(error as Error, { $metadata: {} });
    }
    const parsed = parseJson(text);
    if (status >= 200 && status < 300) return parsed ?? {};
    throw serviceError(status, headers, parsed);
  }

  return async <Output>(operation: string, input: object): Promise<Output> => {
    const body = JSON.stringify(input);
    // The SDK's headers for telling a retry from a new call, in AWS's logs and in our tests.
    const invocationId = randomUUID();
    let token = await retries.acquireInitialRetryToken(`${service.signingName}:${operation}`);
    for (let attempts = 1; ; attempts += 1) {
      try {
        const output = await attempt(operation, body, {
          'amz-sdk-invocation-id': invocationId,
          'amz-sdk-request': `attempt=${attempts}; max=${maxAttempts}`,
        });
        retries.recordSuccess(token);
        return output as Output;
      } catch (error) {
        // Like the SDK's errors: how many attempts the caller's one call took.
        const failure = error as { $metadata?: object };
        failure.$metadata = { ...failure.$metadata, attempts };
        const errorType = retryableType(error as AwsServiceError);
        if (errorType === undefined) throw error;
        try {
          token = await retries.refreshRetryTokenForRetry(token, { errorType });
        } catch {
          throw error; // attempts or retry capacity exhausted: the service's error, not the strategy's
        }
        await new Promise((resolve) => setTimeout(resolve, token.getRetryDelay()));
      }
    }
  };
}

const parseJson = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

// JSON protocol errors: the code is in X-Amzn-ErrorType or `__type`, possibly namespaced
// ("com.amazonaws.ssm#ParameterNotFound") and suffixed (":http://...").
function serviceError(status: number, headers: Record<string, string>, body: Record<string, unknown> | undefined): AwsServiceError {
  const header = Object.entries(headers).find(([k]) => k.toLowerCase() === 'x-amzn-errortype')?.[1];
  const raw = header ?? (typeof body?.__type === 'string' ? body.__type : `Http${status}`);
  const code = raw.split(':')[0]!.split('#').pop()!;
  const message = body?.message ?? body?.Message;
  return new AwsServiceError(code, typeof message === 'string' ? message : `${code} (HTTP ${status})`, status);
}

/** Throttling, timeouts, network failures and 5xx: worth another try later. */
export const isRetryable = (error: unknown): boolean => retryableType(error as AwsServiceError) !== undefined;

function retryableType(error: AwsServiceError): 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | undefined {
  if (isThrottlingError(error as never)) return 'THROTTLING';
  if (isTransientError(error as never)) return 'TRANSIENT';
  if (isServerError(error as never)) return 'SERVER_ERROR';
  return undefined;
}
