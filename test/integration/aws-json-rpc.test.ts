// lib/aws/json-rpc.ts stands in for the SSM and EventBridge SDK clients. These tests hold it
// to what those clients send: the same request, byte for byte where it matters, with a
// signature that verifies; and to how the SDK treats the service's errors.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsJsonRpc, isRetryable, type AwsJsonService } from '../../lib/aws/json-rpc.js';
import { startFakeAws, verifySignature, type FakeAws, type ReceivedRequest } from '../support/fake-aws.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const region = 'eu-west-1';
const base = new DynamoDBClient({ region, credentials });

let aws: FakeAws;
beforeAll(async () => {
  aws = await startFakeAws();
});
afterAll(() => aws.close());
beforeEach(() => {
  aws.received.length = 0;
  aws.reply({ status: 200, body: {} });
});

// Generous timeouts: this machine stalls for seconds at a time, and a timeout adds attempts.
const ssmService = (): AwsJsonService => ({
  signingName: 'ssm',
  targetPrefix: 'AmazonSSM',
  jsonVersion: '1.1',
  endpoint: aws.url,
  timeoutMs: 30_000,
});
const eventsService = (): AwsJsonService => ({ ...ssmService(), signingName: 'events', targetPrefix: 'AWSEvents' });

/** What the request is, leaving out what differs per call (date, signature, SDK headers). */
const essence = (r: ReceivedRequest) => ({
  method: r.method,
  path: r.path,
  contentType: r.headers['content-type'],
  target: r.headers['x-amz-target'],
  body: JSON.parse(r.body) as unknown,
});

describe('requests match the SDK clients', () => {
  it('SSM GetParameter: same target, content type and body as SSMClient, and a valid signature', async () => {
    const input = { Name: '/secret-store/prod/fernet-keys', WithDecryption: true };
    aws.reply({ body: { Parameter: { Name: input.Name, Value: 'k1,k2', Type: 'SecureString' } } });
    await new SSMClient({ region, credentials, endpoint: aws.url }).send(new GetParameterCommand(input));
    const output = await awsJsonRpc(base, ssmService())('GetParameter', input);

    const [sdk, ours] = aws.received;
    expect(essence(ours!)).toEqual(essence(sdk!));
    expect(output).toEqual({ Parameter: { Name: input.Name, Value: 'k1,k2', Type: 'SecureString' } });
    const scope = await verifySignature(ours!, credentials);
    expect(scope).toMatchObject({ region, service: 'ssm' });
    expect(scope.signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'x-amz-target', 'content-type']));
    expect((await verifySignature(sdk!, credentials)).service).toBe('ssm');
  });

  it('EventBridge PutEvents: same as EventBridgeClient, signed for "events"', async () => {
    const input = {
      Entries: [{ EventBusName: 'audit', Source: 'secret-store', DetailType: 'secret.accessed', Detail: '{"name":"apiKey"}' }],
    };
    aws.reply({ body: { FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] } });
    await new EventBridgeClient({ region, credentials, endpoint: aws.url }).send(new PutEventsCommand(input));
    await awsJsonRpc(base, eventsService())('PutEvents', input);

    const [sdk, ours] = aws.received;
    expect(essence(ours!)).toEqual(essence(sdk!));
    expect(await verifySignature(ours!, credentials)).toMatchObject({ region, service: 'events' });
  });

  it('a tampered body no longer verifies (the check can fail)', async () => {
    await awsJsonRpc(base, ssmService())('GetParameter', { Name: '/a' });
    const [received] = aws.received;
    await expect(verifySignature({ ...received!, body: '{"Name":"/b"}' }, credentials)).rejects.toThrow(/does not verify/);
  });
});

describe('service errors, as the SDK would classify them', () => {
  it('a client error keeps its code and message and is not retried', async () => {
    aws.reply({ status: 400, body: { __type: 'ParameterNotFound', message: 'not here' } });
    const error = await awsJsonRpc(base, ssmService())('GetParameter', { Name: '/a' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ParameterNotFound', message: 'not here', $metadata: { httpStatusCode: 400, attempts: 1 } });
    expect(isRetryable(error)).toBe(false);
    expect(aws.received).toHaveLength(1);
  });

  it('reads namespaced codes from X-Amzn-ErrorType as the JSON protocol allows', async () => {
    aws.reply({ status: 400, headers: { 'x-amzn-errortype': 'AccessDeniedException:http://internal/' }, body: { Message: 'no' } });
    await expect(awsJsonRpc(base, ssmService())('GetParameter', { Name: '/a' })).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: 'no',
    });
  });

  it('throttling is retried with backoff and then succeeds', async () => {
    aws.reply({ status: 400, body: { __type: 'com.amazonaws.ssm#ThrottlingException' } }, { status: 200, body: { ok: true } });
    await expect(awsJsonRpc(base, ssmService())('GetParameter', { Name: '/a' })).resolves.toEqual({ ok: true });
    expect(aws.received).toHaveLength(2);
  });

  it('a failing service is tried maxAttempts times, then its error surfaces as retryable', async () => {
    aws.reply({ status: 503, body: { __type: 'InternalServerError' } });
    const error = await awsJsonRpc(base, { ...ssmService(), maxAttempts: 2 })('GetParameter', { Name: '/a' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'InternalServerError', $metadata: { httpStatusCode: 503, attempts: 2 } });
    expect(isRetryable(error)).toBe(true);
    expect(aws.received).toHaveLength(2);
  });

  it('a hung connection times out per attempt and counts as transient', async () => {
    aws.reply({ hang: true });
    const error = await awsJsonRpc(base, { ...ssmService(), maxAttempts: 2, timeoutMs: 300 })('GetParameter', { Name: '/a' }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 2 } });
    expect(isRetryable(error)).toBe(true);
  });

  it('a refused connection is transient too', async () => {
    const closed = await startFakeAws();
    await closed.close();
    const error = await awsJsonRpc(base, { ...ssmService(), endpoint: closed.url, maxAttempts: 1 })('GetParameter', {}).catch(
      (e: unknown) => e,
    );
    expect(isRetryable(error)).toBe(true);
  });
});

describe('endpoints', () => {
  it('derive the regional endpoint, with the China partition suffix', async () => {
    const seen: string[] = [];
    const client = (r: string) => {
      const c = new DynamoDBClient({ region: r, credentials });
      c.config.requestHandler = {
        handle: async (request: { hostname: string }) => {
          seen.push(request.hostname);
          throw Object.assign(new Error('stop'), { name: 'Stop' });
        },
      } as never;
      return c;
    };
    for (const r of ['us-east-1', 'cn-north-1']) {
      await awsJsonRpc(client(r), { signingName: 'ssm', targetPrefix: 'AmazonSSM', jsonVersion: '1.1', maxAttempts: 1 })(
        'GetParameter',
        {},
      ).catch(() => undefined);
    }
    expect(seen).toEqual(['ssm.us-east-1.amazonaws.com', 'ssm.cn-north-1.amazonaws.com.cn']);
  });
});
