// Account-shared secrets (docs/API.md, "Account-shared secrets"): a secret with visibility
// `account` is read by name by every member of its owner's account, over HTTP (the account claim)
// and directly (`accountId`); two owners of one name are an explicit 409 naming them; only the
// owner changes or deletes; another account, and a caller without one, learn nothing.
import { describe, expect, it } from 'vitest';
import { useHandlers } from '../support/harness.js';
import { json } from '../support/http.js';

const harness = useHandlers();
const { call, direct } = harness;

// Three accounts: acme (alice, bob, dave), globex (carol), and eve with none.
const ACCOUNTS: Record<string, string | undefined> = { alice: 'acme', bob: 'acme', dave: 'acme', carol: 'globex', eve: undefined };
const as = (profile: string) => ({ profile, ...(ACCOUNTS[profile] && { claims: { account: ACCOUNTS[profile] } }) });
const create = (profile: string, body: Record<string, unknown>) => call({ method: 'POST', path: '/secrets', ...as(profile), body });
const get = (profile: string, name: string, query?: Record<string, string>) => call({ method: 'GET', path: `/secrets/${name}`, ...as(profile), ...(query && { query }) });
const list = (profile: string, query: Record<string, string> = {}) => call({ method: 'GET', path: '/secrets', ...as(profile), query });
const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (e: Error) => e);

describe('account-shared secrets', () => {
  it('are read by name by members of the account, and by no one else', async () => {
    const created = await create('alice', { name: 'dbPassword', value: 'pw-alice', visibility: 'account', tags: ['db'] });
    expect(created.statusCode).toBe(201);
    expect(json(created)).toMatchObject({ visibility: 'account', owner: 'alice' });

    const read = await get('bob', 'dbPassword');
    expect(read.statusCode).toBe(200);
    expect(json(read)).toMatchObject({ name: 'dbPassword', value: 'pw-alice', owner: 'alice', visibility: 'account' });
    // Another account, and a caller without one, get what an absent name gets.
    for (const outsider of ['carol', 'eve']) {
      const refused = await get(outsider, 'dbPassword');
      expect(refused.statusCode).toBe(404);
      expect(json(refused).detail).toBe("No secret named 'dbPassword'.");
      expect((await get(outsider, 'dbPassword', { owner: 'alice' })).statusCode).toBe(404);
    }
    // Directly, the account is in the payload.
    expect(await direct('get', { userProfileId: 'dave', accountId: 'acme', name: 'dbPassword' })).toMatchObject({ value: 'pw-alice', owner: 'alice' });
    expect((await errorOf(direct('get', { userProfileId: 'carol', accountId: 'globex', name: 'dbPassword' })))?.name).toBe('SecretNotFound');
    expect((await errorOf(direct('get', { userProfileId: 'dave', name: 'dbPassword' })))?.name).toBe('SecretNotFound');
  });

  it('record the reader on the owner\'s secret', async () => {
    await create('alice', { name: 'auditMe', value: 'v', visibility: 'account' });
    await get('bob', 'auditMe');
    const item = (await harness.store.scanAll()).find((i) => i.sk === 'SECRET#auditMe' && i.pk === 'PROFILE#alice');
    expect(item).toMatchObject({ lastReader: 'bob', accessCount: 1 });
    expect(JSON.stringify(item)).not.toContain('"v"');
  });

  it('are changed and deleted only by their owner', async () => {
    await create('alice', { name: 'ownedKey', value: 'original', visibility: 'account' });
    const patch = await call({ method: 'PATCH', path: '/secrets/ownedKey', ...as('bob'), body: { value: 'hijacked' } });
    expect(patch.statusCode).toBe(404);
    expect((await call({ method: 'POST', path: '/secrets/ownedKey/expire', ...as('bob') })).statusCode).toBe(404);
    expect((await call({ method: 'DELETE', path: '/secrets/ownedKey', ...as('bob') })).statusCode).toBe(404);
    expect(json(await get('bob', 'ownedKey'))).toMatchObject({ value: 'original', revision: 1, expired: false });
  });

  it('answer 409 naming the owners when several share one name, and owner picks one', async () => {
    await create('alice', { name: 'sharedName', value: 'from-alice', visibility: 'account' });
    await create('dave', { name: 'sharedName', value: 'from-dave', visibility: 'account' });
    const ambiguous = await get('bob', 'sharedName');
    expect(ambiguous.statusCode).toBe(409);
    expect(json(ambiguous)).toMatchObject({ code: 'AmbiguousSecretName', owners: ['alice', 'dave'] });
    expect(ambiguous.body).not.toContain('from-');
    expect(json(await get('bob', 'sharedName', { owner: 'dave' }))).toMatchObject({ value: 'from-dave', owner: 'dave' });
    expect(json(await get('bob', 'sharedName', { owner: 'alice' }))).toMatchObject({ value: 'from-alice' });
    const direct409 = await errorOf(direct('get', { userProfileId: 'bob', accountId: 'acme', name: 'sharedName' }));
    expect(direct409).toMatchObject({ name: 'AmbiguousSecretName' });
    expect(direct409?.message).toContain('alice, dave');
    // An owner reads its own, never asked to choose.
    expect(json(await get('dave', 'sharedName'))).toMatchObject({ value: 'from-dave' });
    // A name expired for all but one reads the live one.
    await call({ method: 'POST', path: '/secrets/sharedName/expire', ...as('alice') });
    expect(json(await get('bob', 'sharedName'))).toMatchObject({ value: 'from-dave' });
  });

  it('prefer the caller\'s own secret of the name', async () => {
    await create('alice', { name: 'token', value: 'alice-token', visibility: 'account' });
    await create('bob', { name: 'token', value: 'bob-token' });
    expect(json(await get('bob', 'token'))).toMatchObject({ value: 'bob-token', owner: 'bob' });
    expect(json(await get('bob', 'token', { owner: 'alice' }))).toMatchObject({ value: 'alice-token', owner: 'alice' });
  });

  it('stop being shared the moment they are made private, and start when made shared', async () => {
    await create('alice', { name: 'flip', value: 'flip-v', visibility: 'account' });
    expect((await get('bob', 'flip')).statusCode).toBe(200);
    const made = await call({ method: 'PATCH', path: '/secrets/flip', ...as('alice'), body: { visibility: 'private' } });
    expect(json(made)).toMatchObject({ visibility: 'private', revision: 2 });
    expect((await get('bob', 'flip')).statusCode).toBe(404);
    expect((await get('bob', 'flip', { owner: 'alice' })).statusCode).toBe(404);
    expect(json(await list('bob', { scope: 'account', prefix: 'flip' })).items).toEqual([]);
    const item = (await harness.store.scanAll()).find((i) => i.sk === 'SECRET#flip');
    expect(item).not.toHaveProperty('shareKey');
    expect(item).not.toHaveProperty('accountId');
    await call({ method: 'PATCH', path: '/secrets/flip', ...as('alice'), body: { visibility: 'account' } });
    expect(json(await get('bob', 'flip'))).toMatchObject({ value: 'flip-v', revision: 3 });
  });

  it('are listed with scope=account, by name then owner, for the caller\'s account only', async () => {
    await create('alice', { name: 'listA', value: 'x', visibility: 'account', tags: ['l'] });
    await create('dave', { name: 'listA', value: 'y', visibility: 'account', tags: ['l'] });
    await create('dave', { name: 'listB', value: 'z', visibility: 'account', tags: ['l'] });
    await create('dave', { name: 'listC', value: 'private one', tags: ['l'] });
    await create('carol', { name: 'listA', value: 'globex', visibility: 'account', tags: ['l'] });
    const page = json(await list('bob', { scope: 'account', tag: 'l' }));
    expect(page.items.map((s: { name: string; owner: string }) => `${s.name}/${s.owner}`)).toEqual(['listA/alice', 'listA/dave', 'listB/dave']);
    expect(JSON.stringify(page)).not.toMatch(/"value"|globex/);
    // Paged one at a time, the cursor goes on from owner to owner within a name.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const next = json(await list('bob', { scope: 'account', tag: 'l', limit: '1', ...(cursor && { cursor }) }));
      seen.push(...next.items.map((s: { name: string; owner: string }) => `${s.name}/${s.owner}`));
      cursor = next.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['listA/alice', 'listA/dave', 'listB/dave']);
    // A cursor of the account's list is no cursor of the profile's own.
    const first = json(await list('bob', { scope: 'account', tag: 'l', limit: '1' }));
    expect((await list('bob', { tag: 'l', cursor: first.nextCursor })).statusCode).toBe(400);
    // The own list is as before: the caller's secrets only.
    expect(json(await list('dave', { tag: 'l' })).items.map((s: { name: string }) => s.name)).toEqual(['listA', 'listB', 'listC']);
    expect(json(await list('carol', { scope: 'account', tag: 'l' })).items.map((s: { owner: string }) => s.owner)).toEqual(['carol']);
  });

  it('need an account: sharing or listing the account without one is 400', async () => {
    const share = await create('eve', { name: 'evesKey', value: 'x', visibility: 'account' });
    expect(share.statusCode).toBe(400);
    expect(json(share).errors).toEqual([{ path: 'visibility', message: expect.stringContaining("needs the caller's account") }]);
    const listing = await list('eve', { scope: 'account' });
    expect(listing.statusCode).toBe(400);
    expect(json(listing).errors[0].path).toBe('scope');
    expect((await create('eve', { name: 'evesKey', value: 'x' })).statusCode).toBe(201);
    expect((await call({ method: 'PATCH', path: '/secrets/evesKey', ...as('eve'), body: { visibility: 'account' } })).statusCode).toBe(400);
  });

  it('take the account from a claim with a profile id\'s rule: an unusable one is 401 naming it', async () => {
    const bad = await call({ method: 'GET', path: '/secrets', profile: 'bob', claims: { account: 'ac\u200bme' } });
    expect(bad.statusCode).toBe(401);
    expect(json(bad).errors[0].path).toBe('token.account');
    expect((await call({ method: 'GET', path: '/secrets', profile: 'bob', claims: { account: 42 } })).statusCode).toBe(401);
    expect((await errorOf(direct('get', { userProfileId: 'bob', accountId: '', name: 'dbPassword' })))?.name).toBe('ValidationError');
    expect((await errorOf(direct('sweep', { accountId: 'acme' })))?.name).toBe('ValidationError');
  });
});
