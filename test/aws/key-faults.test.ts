// The key parameter failing under the packaged functions: malformed, unreachable at cold start,
// unreachable mid-life. The service stays up where it safely can, says what is wrong where it
// cannot, and recovers on its own after a short back-off.
import { describe, expect, it, vi } from 'vitest';
import { Fernet } from '../../lib/crypto/fernet.js';
import type { Instance } from '../support/lambda-runtime.js';
import { MINUTE, PARAMETER, T0, payloadOf, useAwsStack } from './support.js';

const KEY = Fernet.generateKey();
const NEXT = Fernet.generateKey();
const stack = useAwsStack({ keys: KEY, endpoints: 'per-service' });

const KEYS_UNAVAILABLE = { ok: false, errorType: 'ServiceUnavailable', errorMessage: 'The encryption keys cannot be loaded. Retry later.' };
const ssmCalls = () => stack.gateway.requests.filter((r) => r.service === 'ssm').length;

describe('the key parameter failing', () => {
  it('malformed: every instance keeps the keys in use, says which entry is wrong, and takes the fixed list', async () => {
    vi.setSystemTime(T0);
    const [create, get] = [(await stack.start('create'))[0]!, (await stack.start('get'))[0]!];
    payloadOf(await create.invoke({ userProfileId: 'alice', name: 'beforeTypo', value: 'value-before-typo' }));

    stack.gateway.putParameter(PARAMETER, `${NEXT},${KEY.slice(0, 30)}`);
    vi.setSystemTime(T0 + 6 * MINUTE); // every cache due
    payloadOf(await create.invoke({ userProfileId: 'alice', name: 'duringTypo', value: 'value-during-typo' }));
    for (const name of ['beforeTypo', 'duringTypo']) payloadOf(await get.invoke({ userProfileId: 'alice', name }));
    const [rotate] = await stack.start('rotate');
    expect(await rotate!.invoke({})).toMatchObject({ ok: false, errorType: 'InternalError' });
    const logged = stack.logs.text();
    expect(logged).toContain('Fernet key parameter is malformed; keeping the keys in use');
    expect(logged).toContain(`SSM parameter ${PARAMETER} entry 2 is not a url-safe base64 32-byte Fernet key`);
    for (const key of [KEY, NEXT]) expect(logged).not.toContain(key.slice(0, 16));

    // A cold start meets the typo with no keys in hand: a 500, until the list is fixed.
    const [cold] = await stack.start('get');
    expect(await cold!.invoke({ userProfileId: 'alice', name: 'beforeTypo' })).toMatchObject({ ok: false, errorType: 'InternalError' });
    stack.gateway.putParameter(PARAMETER, `${NEXT},${KEY}`);
    payloadOf(await cold!.invoke({ userProfileId: 'alice', name: 'beforeTypo' }));
    // The warm ones take it after the short back-off, not a whole cache interval.
    vi.setSystemTime(T0 + 6 * MINUTE + 5_000);
    const before = ssmCalls();
    payloadOf(await get.invoke({ userProfileId: 'alice', name: 'duringTypo' }));
    expect(ssmCalls()).toBeGreaterThan(before);
  });

  it('unreachable at cold start: 503 naming the keys, and the next request tries again', async () => {
    stack.gateway.fail('ssm', { status: 503, type: 'InternalServerError' });
    const [get] = await stack.start('get');
    expect(await get!.invoke({ userProfileId: 'alice', name: 'beforeTypo' })).toEqual(KEYS_UNAVAILABLE);
    stack.gateway.fail('ssm', null);
    payloadOf(await get!.invoke({ userProfileId: 'alice', name: 'beforeTypo' }));
  });

  it('unreachable mid-life: reads go on, new values wait once the keys are too old to be sure of, and it recovers after a short back-off', async () => {
    const now = T0 + 20 * MINUTE;
    vi.setSystemTime(now);
    const [create, get] = [(await stack.start('create'))[0]!, (await stack.start('get'))[0]!] as [Instance, Instance];
    payloadOf(await create.invoke({ userProfileId: 'bob', name: 'midLife', value: 'value-mid-life' }));

    stack.gateway.fail('ssm', 'reset');
    // Past the cache interval: the refresh fails, the keys in use serve on, and the next try waits the back-off.
    vi.setSystemTime(now + 5 * MINUTE + 1);
    payloadOf(await get.invoke({ userProfileId: 'bob', name: 'midLife' }));
    payloadOf(await create.invoke({ userProfileId: 'bob', name: 'stillFresh', value: 'value-still-fresh' }));
    const afterFailure = ssmCalls();
    payloadOf(await get.invoke({ userProfileId: 'bob', name: 'stillFresh' }));
    expect(ssmCalls()).toBe(afterFailure);
    expect(stack.logs.text()).toContain('Fernet keys not refreshed; keeping the ones in use');

    // Past the maximum age (1.2 cache intervals): values already stored still open, no new one is sealed.
    vi.setSystemTime(now + 6 * MINUTE + 1);
    payloadOf(await get.invoke({ userProfileId: 'bob', name: 'midLife' }));
    expect(await create.invoke({ userProfileId: 'bob', name: 'tooLate', value: 'value-too-late' })).toEqual(KEYS_UNAVAILABLE);
    expect(await stack.start('update').then(([u]) => u!.invoke({ userProfileId: 'bob', name: 'midLife', value: 'x' }))).toEqual(KEYS_UNAVAILABLE);

    stack.gateway.fail('ssm', null);
    vi.setSystemTime(now + 6 * MINUTE + 1 + 5_000);
    payloadOf(await create.invoke({ userProfileId: 'bob', name: 'recovered', value: 'value-recovered' }));
    payloadOf(await get.invoke({ userProfileId: 'bob', name: 'recovered' }));
  });
});
