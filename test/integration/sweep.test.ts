// Expiry enforced end to end on dynalite: 410 before the sweep; the sweep destroys the
// ciphertext, sets the TTL, and is safe to repeat, to cut short and to run twice at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpEvent, json, lambdaContext, type HttpResponse } from '../support/http.js';
import { loadHandlers, type Handler, type Operation } from '../support/handlers.js';
import { startTestStore, type TestStore } from '../support/store.js';

let store: TestStore;
let handlers: Record<Operation, Handler>;

beforeAll(async () => {
  store = await startTestStore({ RETENTION_DAYS: '7' });
  handlers = await loadHandlers();
});
afterAll(() => store.close());

const createExpiring = async (profile: string, name: string) => {
  const created = (await handlers.create(
    { userProfileId: profile, name, value: `sweep-plaintext-${name}`, expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
    lambdaContext(),
  )) as { id: string };
  await handlers.expire({ userProfileId: profile, name }, lambdaContext());
  return created;
};

type Report = { examined: number; expired: number; more: boolean };
const sweep = (payload: object = {}, remainingMs: () => number = () => 60_000) =>
  handlers.sweep(payload, lambdaContext(remainingMs)) as Promise<Report>;

const rawItem = async (name: string) => (await store.scanAll()).find((item) => item.name === name);

describe('sweep', () => {
  it('answers 410 before the sweep, then destroys the ciphertext and sets the TTL', async () => {
    await createExpiring('sam', 'doomed');
    const before = (await handlers.get(httpEvent({ method: 'GET', path: '/secrets/doomed', profile: 'sam' }), lambdaContext())) as HttpResponse;
    expect(before.statusCode).toBe(410);

    const dry = await sweep({ dryRun: true });
    expect(dry.expired).toBeGreaterThanOrEqual(1);
    expect((await rawItem('doomed'))?.token).toBeDefined();

    const report = await sweep();
    expect(report).toMatchObject({ more: false });
    expect(report.expired).toBe(report.examined);
    const raw = await rawItem('doomed');
    expect(raw?.token).toBeUndefined();
    expect(raw?.binding).toBeUndefined();
    expect(raw?.expiryShard).toBeUndefined();
    const sevenDays = Math.floor(Date.now() / 1000) + 7 * 86_400;
    expect(raw?.purgeAt).toBeGreaterThan(sevenDays - 120);
    expect(raw?.purgeAt).toBeLessThanOrEqual(sevenDays + 1);

    expect(await sweep()).toEqual({ examined: 0, expired: 0, more: false });

    const listed = json(
      (await handlers.list(httpEvent({ method: 'GET', path: '/secrets', profile: 'sam', query: { expired: 'only' } }), lambdaContext())) as HttpResponse,
    );
    expect(listed.items.map((s: { name: string }) => s.name)).toEqual(['doomed']);
    expect(listed.items[0].expired).toBe(true);
  });

  it('leaves secrets that are not due alone', async () => {
    await handlers.create({ userProfileId: 'sam', name: 'later', value: 'v-later', expiresAt: new Date(Date.now() + 3_600_000).toISOString() }, lambdaContext());
    await sweep();
    expect((await rawItem('later'))?.token).toBeDefined();
  });

  it('finishes over several runs when cut short, sweeping each due secret once', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `batch${i}`);
    for (const name of names) await createExpiring('tina', name);
    let expired = 0;
    let runs = 0;
    let report: Report;
    do {
      // A budget that allows a handful of items per run.
      let calls = 0;
      report = await sweep({}, () => (calls++ < 4 ? 60_000 : 0));
      expired += report.expired;
      runs += 1;
    } while (report.more && runs < 50);
    expect(runs).toBeGreaterThan(1);
    expect(expired).toBe(names.length);
    for (const name of names) expect((await rawItem(name))?.token).toBeUndefined();
  });

  it('never double-counts when two sweeps run at once', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `race${i}`);
    for (const name of names) await createExpiring('uma', name);
    const due = (await sweep({ dryRun: true })).expired;
    expect(due).toBe(names.length);
    const [a, b] = await Promise.all([sweep(), sweep()]);
    expect(a.expired + b.expired).toBe(due);
    expect(await sweep()).toMatchObject({ expired: 0 });
  });

  it('holds no plaintext after sweeping', async () => {
    expect(JSON.stringify(await store.scanAll())).not.toContain('sweep-plaintext-');
  });
});
