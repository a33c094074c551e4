// The TypeScript client (client/) against the real handlers and the local DynamoDB, over both of
// its transports: the same calls answer the same way over HTTP and direct invocation, errors
// arrive as their classes, a write whose answer is lost is retried with its idempotency key and
// takes effect once, and the cache serves reads without serving what this client changed.
import { describe, expect, it } from 'vitest';
import {
  AmbiguousSecretName,
  PreconditionFailed,
  SecretAlreadyExists,
  SecretExpired,
  SecretNotFound,
  SecretStore,
  ValidationError,
  VersionDestroyed,
  VersionNotFound,
  type SecretStoreOptions,
} from '../../client/index.js';
import { harnessWires } from '../support/client-transports.js';
import { useHandlers } from '../support/harness.js';

const harness = useHandlers();
const noWait = { sleep: async () => {} };

const transports = {
  http: (profile: string, wires: ReturnType<typeof harnessWires>): SecretStoreOptions => ({ http: { endpoint: 'https://api.test', token: profile, fetch: wires.fetch }, ...noWait }),
  direct: (profile: string, wires: ReturnType<typeof harnessWires>): SecretStoreOptions => ({
    lambda: { functionPrefix: 'secret-store-test-', profile, client: wires.lambda },
    ...noWait,
  }),
};

describe.each(Object.keys(transports) as (keyof typeof transports)[])('the client over %s', (kind) => {
  const profile = `client-${kind}`;
  const connect = (options: Partial<SecretStoreOptions> = {}) => {
    const wires = harnessWires(harness);
    return { wires, store: new SecretStore({ ...transports[kind](profile, wires), ...options } as SecretStoreOptions) };
  };

  it('creates, reads, lists page by page, changes, expires and deletes', async () => {
    const { store } = connect({ cache: false });
    const created = await store.create({ name: 'dbPassword', value: 'client-value-1', tags: ['db'], annotations: { owner: 'ops' } });
    expect(created).toMatchObject({ name: 'dbPassword', revision: 1, tags: ['db'], annotations: { owner: 'ops' } });
    expect(created).not.toHaveProperty('value');
    await expect(store.create({ name: 'dbPassword', value: 'x' })).rejects.toBeInstanceOf(SecretAlreadyExists);
    expect((await store.get('dbPassword')).value).toBe('client-value-1');

    for (let i = 0; i < 5; i++) await store.create({ name: `paged${i}`, value: `v${i}`, tags: ['paged'] });
    const names: string[] = [];
    for await (const secret of store.list({ tag: 'paged', limit: 2 })) names.push(secret.name);
    expect(names).toEqual(['paged0', 'paged1', 'paged2', 'paged3', 'paged4']);

    const changed = await store.update('dbPassword', { value: 'client-value-2', description: 'primary' }, { ifMatch: 1 });
    expect(changed.revision).toBe(2);
    await expect(store.update('dbPassword', { description: 'stale' }, { ifMatch: 1 })).rejects.toBeInstanceOf(PreconditionFailed);
    expect((await store.update('dbPassword', { description: 'any' }, { ifMatch: '*' })).revision).toBe(3);
    expect((await store.get('dbPassword')).value).toBe('client-value-2');

    expect((await store.expire('dbPassword')).expired).toBe(true);
    await expect(store.get('dbPassword')).rejects.toBeInstanceOf(SecretExpired);
    await store.delete('dbPassword');
    await expect(store.get('dbPassword')).rejects.toBeInstanceOf(SecretNotFound);
    await expect(store.delete('dbPassword')).rejects.toMatchObject({ code: 'SecretNotFound', status: 404 });
  });

  it('raises ValidationError with the fields named', async () => {
    const { store } = connect();
    const error = await store.create({ name: 'Bad Name', value: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(400);
    // Over HTTP the problem names each field; a direct invocation's error carries the message only.
    if (kind === 'http') expect((error as ValidationError).fieldErrors.map((e) => e.path)).toEqual(['name']);
    else expect((error as ValidationError).message).toMatch(/name/);
  });

  it('retries a write whose answer was lost with the same idempotency key: it takes effect once', async () => {
    const { store, wires } = connect();
    await store.create({ name: 'lostAnswers', value: 'first' });
    wires.loseAnswers(2);
    const updated = await store.update('lostAnswers', { description: 'once' });
    // Three requests reached the store; the revision moved once.
    expect(wires.calls.filter((op) => op === 'update')).toHaveLength(3);
    expect(updated.revision).toBe(2);
    expect((await store.get('lostAnswers', { fresh: true })).revision).toBe(2);
    wires.loseAnswers(1);
    await store.delete('lostAnswers');
    await expect(store.get('lostAnswers')).rejects.toBeInstanceOf(SecretNotFound);
  });

  it('serves repeated gets from its cache, and never what this client has since changed or deleted', async () => {
    const { store, wires } = connect();
    await store.create({ name: 'cachedKey', value: 'cached-1' });
    const reads = () => wires.calls.filter((op) => op === 'get').length;
    const [a, b, c] = await Promise.all([store.get('cachedKey'), store.get('cachedKey'), store.get('cachedKey')]);
    expect([a.value, b.value, c.value]).toEqual(['cached-1', 'cached-1', 'cached-1']);
    expect(reads()).toBe(1);
    await store.get('cachedKey');
    expect(reads()).toBe(1);

    await store.update('cachedKey', { value: 'cached-2' });
    expect((await store.get('cachedKey')).value).toBe('cached-2');
    expect(reads()).toBe(2);
    await store.expire('cachedKey');
    await expect(store.get('cachedKey')).rejects.toBeInstanceOf(SecretExpired);
    await store.delete('cachedKey');
    await expect(store.get('cachedKey')).rejects.toBeInstanceOf(SecretNotFound);
  });

  it('sees only its own profile', async () => {
    const { store } = connect();
    await store.create({ name: 'mine', value: 'client-private' });
    const wires = harnessWires(harness);
    const other = new SecretStore({ ...transports[kind](`${profile}-other`, wires), cache: false } as SecretStoreOptions);
    await expect(other.get('mine')).rejects.toBeInstanceOf(SecretNotFound);
    const names: string[] = [];
    for await (const secret of other.list()) names.push(secret.name);
    expect(names).toEqual([]);
  });
});

describe.each(Object.keys(transports) as (keyof typeof transports)[])('account-shared secrets through the client over %s', (kind) => {
  const member = (profile: string, account: string) => {
    const wires = harnessWires(harness);
    const options =
      kind === 'http'
        ? { http: { endpoint: 'https://api.test', token: `${profile};account=${account}`, fetch: wires.fetch } }
        : { lambda: { functionPrefix: 'secret-store-test-', profile, account, client: wires.lambda } };
    return new SecretStore({ ...options, ...noWait } as SecretStoreOptions);
  };

  it('reads what a member shares, names the owners of a shared name, picks one with owner, and lists the account', async () => {
    const account = `team-${kind}`;
    const [ann, ben, cat] = ['ann', 'ben', 'cat'].map((p) => member(`${p}-${kind}`, account));
    await ann!.create({ name: 'teamToken', value: 'ann-token', visibility: 'account' });
    expect(await cat!.get('teamToken')).toMatchObject({ value: 'ann-token', owner: `ann-${kind}` });
    await ben!.create({ name: 'teamToken', value: 'ben-token', visibility: 'account' });
    const ambiguous = await cat!.get('teamToken', { fresh: true }).catch((e: unknown) => e);
    expect(ambiguous).toBeInstanceOf(AmbiguousSecretName);
    if (kind === 'http') expect((ambiguous as AmbiguousSecretName).owners).toEqual([`ann-${kind}`, `ben-${kind}`]);
    expect((await cat!.get('teamToken', { owner: `ben-${kind}` })).value).toBe('ben-token');
    const shared: string[] = [];
    for await (const s of cat!.list({ scope: 'account' })) shared.push(`${s.name}/${s.owner}`);
    expect(shared).toEqual([`teamToken/ann-${kind}`, `teamToken/ben-${kind}`]);
    // Another account's member sees none of it.
    await expect(member(`dan-${kind}`, `other-${kind}`).get('teamToken')).rejects.toBeInstanceOf(SecretNotFound);
  });
});

describe('get by id', () => {
  it('works over direct invocation, and is refused over HTTP before any request', async () => {
    const wires = harnessWires(harness);
    const direct = new SecretStore({ ...transports.direct('by-id', wires) } as SecretStoreOptions);
    const created = await direct.create({ name: 'byId', value: 'by-id-value' });
    expect((await direct.get({ id: created.id })).value).toBe('by-id-value');
    const http = new SecretStore(transports.http('by-id', wires));
    await expect(http.get({ id: created.id })).rejects.toThrow(/direct invocation only/);
  });
});

// Value history and recoverable deletes (docs/API.md): these need the server's side of issue #20,
// the versions and restore functions and history in the store.
describe.each(Object.keys(transports) as (keyof typeof transports)[])('value history and recoverable deletes through the client over %s', (kind) => {
  const connect = (options: Partial<SecretStoreOptions> = {}) => {
    const wires = harnessWires(harness);
    return new SecretStore({ ...transports[kind](`history-${kind}`, wires), ...options } as SecretStoreOptions);
  };
  const all = async <T>(items: AsyncIterable<T>) => {
    const list: T[] = [];
    for await (const item of items) list.push(item);
    return list;
  };

  it('keeps each value as a version, reads one, lists them, and rolls back under If-Match', async () => {
    const store = connect({ cache: false });
    expect(await store.create({ name: 'historyKey', value: 'history-v1' })).toMatchObject({ valueVersion: 1, revision: 1, deletedAt: null, purgesAt: null });
    expect(await store.update('historyKey', { value: 'history-v2' })).toMatchObject({ valueVersion: 2, revision: 2 });
    // A change of metadata only keeps the value's version.
    expect(await store.update('historyKey', { description: 'metadata only' })).toMatchObject({ valueVersion: 2, revision: 3 });
    expect((await store.versions('historyKey')).map((v) => [v.version, v.current, v.destroyed])).toEqual([
      [2, true, false],
      [1, false, false],
    ]);
    expect(await store.get('historyKey', { version: 1 })).toMatchObject({ value: 'history-v1', valueVersion: 1 });
    expect(await store.get('historyKey')).toMatchObject({ value: 'history-v2', valueVersion: 2 });
    await expect(store.get('historyKey', { version: 9 })).rejects.toBeInstanceOf(VersionNotFound);
    await expect(store.rollback('historyKey', 1, { ifMatch: 2 })).rejects.toBeInstanceOf(PreconditionFailed);
    expect(await store.rollback('historyKey', 1, { ifMatch: 3 })).toMatchObject({ valueVersion: 3, revision: 4 });
    expect(await store.get('historyKey')).toMatchObject({ value: 'history-v1', valueVersion: 3 });
    expect((await store.versions('historyKey')).map((v) => v.version)).toEqual([3, 2, 1]);
  });

  it('destroys the oldest values past those it keeps (VersionDestroyed), and reads no version of an expired secret', async () => {
    const store = connect({ cache: false });
    await store.create({ name: 'prunedKey', value: 'pruned-1' });
    for (let i = 2; i <= 12; i++) await store.update('prunedKey', { value: `pruned-${i}` });
    const versions = await store.versions('prunedKey');
    expect(versions.map((v) => v.version)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    // The kept ones are the newest: once one is destroyed, every older one is.
    const kept = versions.filter((v) => !v.destroyed).length;
    expect(kept).toBeLessThan(12);
    expect(versions.map((v) => v.destroyed)).toEqual(versions.map((_, i) => i >= kept));
    await expect(store.get('prunedKey', { version: 1 })).rejects.toBeInstanceOf(VersionDestroyed);
    expect((await store.get('prunedKey', { version: 13 - kept })).value).toBe(`pruned-${13 - kept}`);
    await store.expire('prunedKey');
    await expect(store.get('prunedKey', { version: 12 })).rejects.toBeInstanceOf(SecretExpired);
  });

  it('deletes with recovery: absent at once, listed when asked, its name held, restored as it was', async () => {
    const store = connect({ cache: false });
    await store.create({ name: 'deletedKey', value: 'deleted-v1', tags: ['recover'] });
    await store.update('deletedKey', { value: 'deleted-v2' });
    await store.delete('deletedKey');
    await expect(store.get('deletedKey')).rejects.toBeInstanceOf(SecretNotFound);
    await expect(store.versions('deletedKey')).rejects.toBeInstanceOf(SecretNotFound);
    await expect(store.update('deletedKey', { description: 'x' })).rejects.toBeInstanceOf(SecretNotFound);
    await expect(store.create({ name: 'deletedKey', value: 'another' })).rejects.toBeInstanceOf(SecretAlreadyExists);
    expect(await all(store.list({ tag: 'recover' }))).toEqual([]);
    const [shown, ...more] = await all(store.list({ tag: 'recover', deleted: 'only' }));
    expect(more).toEqual([]);
    expect(shown).toMatchObject({ name: 'deletedKey', deletedAt: expect.any(String), purgesAt: expect.any(String) });
    expect(Date.parse(shown!.purgesAt!)).toBeGreaterThan(Date.parse(shown!.deletedAt!));
    expect((await all(store.list({ tag: 'recover', deleted: 'include' }))).map((s) => s.name)).toEqual(['deletedKey']);

    const restored = await store.restore('deletedKey');
    expect(restored).toMatchObject({ name: 'deletedKey', tags: ['recover'], valueVersion: 2, deletedAt: null, purgesAt: null });
    expect((await store.get('deletedKey')).value).toBe('deleted-v2');
    expect((await store.get('deletedKey', { version: 1 })).value).toBe('deleted-v1');
    // Not deleted: answered as it is.
    expect(await store.restore('deletedKey')).toMatchObject({ revision: restored.revision, deletedAt: null });
    await expect(store.restore('neverThere')).rejects.toBeInstanceOf(SecretNotFound);
  });

  it('deletes at once with force, a pending deletion too: nothing to restore, the name free', async () => {
    const store = connect({ cache: false });
    await store.create({ name: 'forcedKey', value: 'forced-1' });
    await store.delete('forcedKey', { force: true });
    await expect(store.restore('forcedKey')).rejects.toBeInstanceOf(SecretNotFound);
    expect(await all(store.list({ prefix: 'forcedKey', deleted: 'include' }))).toEqual([]);
    expect((await store.create({ name: 'forcedKey', value: 'forced-2' })).valueVersion).toBe(1);
    await store.delete('forcedKey');
    await store.delete('forcedKey', { force: true });
    await expect(store.restore('forcedKey')).rejects.toBeInstanceOf(SecretNotFound);
    await store.create({ name: 'forcedKey', value: 'forced-3' });
    expect((await store.versions('forcedKey')).map((v) => v.version)).toEqual([1]);
  });

  it('serves the current value from its cache around reads of versions, and not what a rollback, delete or restore changed', async () => {
    const store = connect();
    await store.create({ name: 'cachedHistory', value: 'cached-v1' });
    await store.update('cachedHistory', { value: 'cached-v2' });
    expect((await store.get('cachedHistory')).value).toBe('cached-v2');
    expect((await store.get('cachedHistory', { version: 1 })).value).toBe('cached-v1');
    expect((await store.get('cachedHistory')).value).toBe('cached-v2');
    await store.rollback('cachedHistory', 1);
    expect((await store.get('cachedHistory')).value).toBe('cached-v1');
    await store.delete('cachedHistory');
    await expect(store.get('cachedHistory')).rejects.toBeInstanceOf(SecretNotFound);
    await store.restore('cachedHistory');
    expect(await store.get('cachedHistory')).toMatchObject({ value: 'cached-v1', valueVersion: 3 });
  });
});
