// Key rotation as AWS runs it: two warm instances of every keyed function, each with its own key
// cache, the runbook's steps taken at the fastest pace it allows (docs/OPERATIONS.md), and the
// clock moved so every cache ages. No value is ever unreadable on any instance, nothing is left
// under the removed key, and cursors survive the change.
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { Fernet } from '../../lib/crypto/fernet.js';
import { keyFingerprint, Sealer } from '../../lib/crypto/sealer.js';
import type { Instance } from '../support/lambda-runtime.js';
import { MINUTE, PARAMETER, T0, payloadOf, useAwsStack } from './support.js';

const OLD = Fernet.generateKey();
const NEW = Fernet.generateKey();
const stack = useAwsStack({ keys: OLD });

interface Page {
  items: { name: string }[];
  nextCursor: string | null;
}
interface RotationReport {
  more: boolean;
  examined: number;
  rotated: number;
  failed: number;
  settlesAt?: string;
  keys: { fingerprint: string; tokens: number | null }[];
}

describe('key rotation with two warm instances of every keyed function', () => {
  it('never leaves a value unreadable and nothing under the removed key, at the fastest pace the runbook allows', async () => {
    // Two instances of each, their caches staggered: the first ones fetch the keys at T0, the
    // second ones 4 minutes later, so after the change each pair holds different lists for a while.
    const names = ['create', 'get', 'list', 'update', 'rotate'] as const;
    const first = await Promise.all(names.map((name) => stack.start(name)));
    vi.setSystemTime(T0 + 4 * MINUTE);
    const second = await Promise.all(names.map((name) => stack.start(name)));
    const [create, get, list, update, rotate] = names.map((_, i) => [first[i]![0]!, second[i]![0]!]) as Instance[][] as [
      Instance[],
      Instance[],
      Instance[],
      Instance[],
      Instance[],
    ];
    const values = new Map<string, string>();
    const failures: string[] = [];
    let created = 0;
    const at = (ms: number) => vi.setSystemTime(ms);
    const stamp = () => `${(Date.now() - T0) / MINUTE} min`;

    const put = async (instance: Instance) => {
      const name = `secret${(created += 1)}`;
      const value = `value-${name}-${randomUUID()}`;
      const result = await instance.invoke({ userProfileId: 'alice', name, value });
      if (result.ok) values.set(name, value);
      else failures.push(`${stamp()} create ${name}: ${result.errorType}`);
    };
    const change = async (instance: Instance, name: string) => {
      const value = `changed-${name}-${randomUUID()}`;
      const result = await instance.invoke({ userProfileId: 'alice', name, value });
      if (result.ok) values.set(name, value);
      else failures.push(`${stamp()} update ${name}: ${result.errorType}`);
    };
    const readEverything = async () => {
      for (const [i, instance] of get.entries()) {
        for (const [name, value] of values) {
          const result = await instance.invoke({ userProfileId: 'alice', name });
          if (!result.ok || (result.payload as { value: string }).value !== value) {
            failures.push(`${stamp()} get#${i + 1} ${name}: ${result.ok ? 'another value' : result.errorType}`);
          }
        }
      }
    };
    /** A cursor from one list instance, continued on the other. */
    const listAcross = async (from: Instance, to: Instance) => {
      const first = payloadOf<Page>(await from.invoke({ userProfileId: 'alice', limit: 2 }));
      const next = await to.invoke({ userProfileId: 'alice', limit: 2, cursor: first.nextCursor });
      if (!next.ok) failures.push(`${stamp()} list cursor across instances: ${next.errorType}`);
    };

    // Before the change: values sealed under OLD by both instances.
    for (const instance of [...create, ...create, ...create]) await put(instance);
    const before = payloadOf<Page>(await list[0]!.invoke({ userProfileId: 'alice', limit: 2 }));
    await readEverything();

    // Step 1 of the runbook: NEW in front of the list, in one change. The first instances fetch it
    // on their next request; the second ones hold OLD alone until T0 + 9 min.
    at(T0 + 5.5 * MINUTE);
    const changedAt = Date.now();
    stack.gateway.putParameter(PARAMETER, `${NEW},${OLD}`);

    // Step 2: run rotate until it answers more: false, while both instances of everything serve.
    let completed: { at: number; report: RotationReport } | undefined;
    for (let step = 0; completed === undefined; step += 1) {
      at(changedAt + step * 30_000);
      expect(step, 'rotate never completed').toBeLessThan(60);
      await put(create[step % 2]!);
      await change(update[step % 2]!, `secret${1 + (step % created)}`);
      await listAcross(list[step % 2]!, list[(step + 1) % 2]!);
      await readEverything();
      const report = payloadOf<RotationReport>(await rotate[step % 2]!.invoke({}));
      if (!report.more) completed = { at: Date.now(), report };
    }
    // Not before every instance can have sealed its last value under OLD: the cache's maximum age
    // (6 min) and a minute for writes in flight.
    expect(completed.at - changedAt).toBeGreaterThanOrEqual(7 * MINUTE);
    // Every token: each secret's current value, and the earlier versions its changes kept.
    expect(completed.report.keys).toEqual([
      { fingerprint: keyFingerprint(NEW), tokens: (await scanTokens()).length },
      { fingerprint: keyFingerprint(OLD), tokens: 0 },
    ]);
    expect((await scanTokens()).length).toBeGreaterThan(values.size);
    expect(completed.report.failed).toBe(0);
    // The cursor issued before the change still continues its listing.
    const continued = await list[1]!.invoke({ userProfileId: 'alice', limit: 2, cursor: before.nextCursor });
    expect(continued.ok, 'a cursor from before the change').toBe(true);

    // Step 3: OLD leaves the list at once. Instances keep serving, as their caches age and refresh.
    stack.gateway.putParameter(PARAMETER, NEW);
    for (let step = 0; step <= 20; step += 1) {
      at(completed.at + step * 30_000);
      await put(create[step % 2]!);
      await change(update[step % 2]!, `secret${1 + (step % created)}`);
      await listAcross(list[step % 2]!, list[(step + 1) % 2]!);
      await readEverything();
    }

    expect(failures).toEqual([]);
    // Nothing in the table is under anything but NEW.
    const newOnly = new Sealer([NEW]);
    const tokens = stack.gateway.requests.length > 0 ? await scanTokens() : [];
    // One current token per secret, and the earlier versions each change kept (at most 9 a secret).
    expect(tokens.length).toBeGreaterThanOrEqual(values.size);
    expect(tokens.length).toBeLessThanOrEqual(values.size * 10);
    expect(tokens.filter((token) => newOnly.keyOf(token) !== 0)).toEqual([]);
    // And the logs show no key material.
    for (const key of [OLD, NEW]) expect(stack.logs.text()).not.toContain(key.slice(0, 16));
  });
});

/** Every token in the table, read through the gateway as the functions read it. */
async function scanTokens(): Promise<string[]> {
  const { DynamoDBClient, ScanCommand } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({
    endpoint: stack.gateway.url,
    region: 'us-east-1',
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY!, sessionToken: process.env.AWS_SESSION_TOKEN! },
  });
  const tokens: string[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: stack.tableName, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) if (item.token?.S) tokens.push(item.token.S);
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  client.destroy();
  return tokens;
}
