// SecretService.list on the memory store: name order, cursors that continue exactly where the
// previous page stopped and only for the profile and query that received them, and the filters.
import { beforeEach, describe, expect, it } from 'vitest';
import type { ListInput } from '../../lib/domain/inputs.js';
import { CLOCK_START, iso, memoryService } from '../support/memory-store.js';

const HOUR = 3_600_000;
let h: ReturnType<typeof memoryService>;
beforeEach(() => {
  h = memoryService();
});

const create = (name: string, extra: { tags?: string[]; expiresAt?: string } = {}, profile = 'alice') =>
  h.service.create(profile, { name, value: `value-of-${name}`, ...extra });
const list = (input: ListInput = {}, profile = 'alice') => h.service.list(profile, input);
const names = async (input: ListInput = {}, profile = 'alice') => (await list(input, profile)).items.map((s) => s.name);

describe('list', () => {
  it('pages in name order, each cursor continuing right after the last name it was given', async () => {
    for (const name of ['echo', 'alpha', 'delta', 'bravo']) await create(name);
    await create('alphaOther', {}, 'bob');
    const first = await list({ limit: 2 });
    expect(first.items.map((s) => s.name)).toEqual(['alpha', 'bravo']);
    expect(first.nextCursor).toEqual(expect.any(String));
    // Written between pages: before the cursor it is not seen, after it it is.
    await create('aardvark');
    await create('bravoTwo');
    const second = await list({ limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((s) => s.name)).toEqual(['bravoTwo', 'delta']);
    const third = await list({ limit: 2, cursor: second.nextCursor! });
    expect(third.items.map((s) => s.name)).toEqual(['echo']);
    expect(third.nextCursor).toBeNull();
    expect(JSON.stringify([first, second, third])).not.toMatch(/value-of-|token|binding/);
  });

  it('answers no cursor for a page that ends exactly at the last secret', async () => {
    for (const name of ['one', 'two']) await create(name);
    expect(await list({ limit: 2 })).toMatchObject({ nextCursor: null });
    expect((await list({ limit: 1 })).nextCursor).not.toBeNull();
  });

  it('returns 50 secrets by default', async () => {
    for (let i = 0; i < 51; i += 1) await create(`s${String(i).padStart(2, '0')}`);
    const page = await list();
    expect(page.items).toHaveLength(50);
    expect(await names({ cursor: page.nextCursor! })).toEqual(['s50']);
  });

  it('refuses a cursor from another profile, another query or tampered with, before reading the store', async () => {
    for (const name of ['apple', 'apricot', 'avocado']) await create(name, { tags: ['fruit'] });
    const query = { prefix: 'a', tag: 'fruit', limit: 1 } as const;
    const { nextCursor } = await list(query);
    const cursor = nextCursor!;
    const reads = h.store.calls.list;
    const refused = async (input: ListInput, profile = 'alice') =>
      expect(list({ ...input, cursor }, profile)).rejects.toMatchObject({ name: 'ValidationError', errors: [{ path: 'cursor' }] });
    await refused(query, 'bob');
    await refused({ ...query, prefix: 'ap' });
    await refused({ ...query, tag: 'veg' });
    await refused({ ...query, expired: 'include' });
    await refused({ prefix: 'a', limit: 1 });
    await expect(list({ ...query, cursor: `x${cursor}` })).rejects.toMatchObject({ name: 'ValidationError' });
    expect(h.store.calls.list).toBe(reads);
    // The page size is not part of the query: another limit continues the same list.
    expect(await names({ ...query, limit: 5, cursor })).toEqual(['apricot', 'avocado']);
  });

  it('filters by prefix, tag and expiry, a secret counting as expired from exactly its expiresAt', async () => {
    await create('dbPassword', { tags: ['db'] });
    await create('dbUser');
    await create('oldToken', { tags: ['db'], expiresAt: iso(HOUR) });
    await create('laterToken', { expiresAt: iso(HOUR + 1) });
    await create('dbOther', { tags: ['db'] }, 'bob');
    h.clock.ms = CLOCK_START + HOUR;
    expect(await names({ prefix: 'db' })).toEqual(['dbPassword', 'dbUser']);
    expect(await names({ tag: 'db' })).toEqual(['dbPassword']);
    expect(await names({ tag: 'db', expired: 'include' })).toEqual(['dbPassword', 'oldToken']);
    expect(await names({ expired: 'only' })).toEqual(['oldToken']);
    expect(await names()).toEqual(['dbPassword', 'dbUser', 'laterToken']);
    const flags = (await list({ expired: 'include' })).items.map((s) => [s.name, s.expired]);
    expect(flags).toEqual([['dbPassword', false], ['dbUser', false], ['laterToken', false], ['oldToken', true]]);
  });
});
