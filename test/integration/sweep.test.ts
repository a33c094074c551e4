// Expiry enforced end to end on dynalite: 410 before the sweep; the sweep destroys the
// ciphertext, sets the TTL, and is safe to repeat, to cut short and to run twice at once.
import { describe, expect, it } from 'vitest';
import { json } from '../support/http.js';
import { useHandlers } from '../support/harness.js';

const harness = useHandlers({ env: { RETENTION_DAYS: '7' } });
const { call, direct } = harness;

const createExpiring = async (profile: string, name: string) => {
  const created = (await direct('create', {
    userProfileId: profile,
    name,
    value: `sweep-plaintext-${name}`,
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  })) as { id: string };
  await direct('expire', { userProfileId: profile, name });
  return created;
};

type Report = { examined: number; expired: number; more: boolean };
const sweep = (payload: object = {}, remainingMs: () => number = () => 60_000) =>
  direct('sweep', payload, remainingMs) as Promise<Report>;

const rawItem = async (name: string) => (await harness.store.scanAll()).find((item) => item.name === name);

describe('sweep', () => {
  it('answers 410 before the sweep, then destroys the ciphertext and sets the TTL', async () => {
    await createExpiring('sam', 'doomed');
    const before = await call({ method: 'GET', path: '/secrets/doomed', profile: 'sam' });
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

    const listed = json(await call({ method: 'GET', path: '/secrets', profile: 'sam', query: { expired: 'only' } }));
    expect(listed.items.map((s: { name: string }) => s.name)).toEqual(['doomed']);
    expect(listed.items[0].expired).toBe(true);
  });

  it('leaves secrets that are not due alone', async () => {
    await direct('create', { userProfileId: 'sam', name: 'later', value: 'v-later', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
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
    expect(JSON.stringify(await harness.store.scanAll())).not.toContain('sweep-plaintext-');
  });
});
