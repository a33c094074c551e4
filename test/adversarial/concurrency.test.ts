// Concurrency on a real dynalite through the real handlers. Conditional
// writes must make racing callers agree: one winner, everyone else a precise 4xx, and no
// update that rewrites fields it was not asked to change (no read-modify-write).
import { describe, expect, it } from 'vitest';
import { json, type HttpResponse } from '../support/http.js';
import { useHandlers } from '../support/harness.js';
import { expectNoPlaintext, expectProblem, marker } from './support.js';

const harness = useHandlers({ env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' }, captureLogs: true, auditStream: true });
const { call, summary } = harness;

const N = 50;

/** The error lines logged so far: the explanation of an unexpected 5xx. */
const loggedErrors = () => harness.logs.lines().filter((l) => l.includes('"level":"ERROR"')).slice(-3).join('\n');

const statusCounts = (responses: HttpResponse[]) =>
  responses.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.statusCode]: (acc[r.statusCode] ?? 0) + 1 }), {});

const rawItem = async (profile: string, name: string) =>
  (await harness.store.scanAll()).filter((i) => i.profileId === profile && i.name === name);

describe('concurrency', () => {
  it(`${N} concurrent PATCHes with the same If-Match: exactly one 200 and ${N - 1} 412s, one writer's change stored`, async () => {
    const profile = 'casUser';
    await call({ method: 'POST', path: '/secrets', profile, body: { name: 'contended', value: marker('cas') } });
    const values = Array.from({ length: N }, () => marker('cas'));
    const responses = await Promise.all(
      values.map((value, i) =>
        call({ method: 'PATCH', path: '/secrets/contended', profile, headers: { 'if-match': '"1"' }, body: { value, description: `writer ${i}` } }),
      ),
    );
    expect(statusCounts(responses), loggedErrors()).toEqual({ 200: 1, 412: N - 1 });
    for (const r of responses.filter((r) => r.statusCode === 412)) {
      expect(expectProblem(r).code).toBe('PreconditionFailed');
      expect(r.body).not.toContain('PT~');
    }
    const winner = json(responses.find((r) => r.statusCode === 200)!);
    expect(winner.revision).toBe(2);
    const writer = Number(/^writer (\d+)$/.exec(winner.description)![1]);
    // Both fields come from the one writer that won: no mix of two writers' changes.
    const [item] = await rawItem(profile, 'contended');
    expect(item).toMatchObject({ revision: 2, description: `writer ${writer}` });
    const read = json(await call({ method: 'GET', path: '/secrets/contended', profile }));
    expect(read.value).toBe(values[writer]);
    summary.push(`concurrency: ${N} PATCH with If-Match "1" -> ${JSON.stringify(statusCounts(responses))}`);
  });

  it(`${N} concurrent creates of one name: exactly one 201 and ${N - 1} 409s, the winner's value stored`, async () => {
    const profile = 'raceUser';
    const values = Array.from({ length: N }, () => marker('race'));
    const responses = await Promise.all(
      values.map((value, i) => call({ method: 'POST', path: '/secrets', profile, body: { name: 'raced', value, description: `creator ${i}` } })),
    );
    expect(statusCounts(responses), loggedErrors()).toEqual({ 201: 1, 409: N - 1 });
    for (const r of responses.filter((r) => r.statusCode === 409)) {
      expect(json(r)).toEqual({
        type: 'about:blank',
        title: 'Secret already exists',
        status: 409,
        code: 'SecretAlreadyExists',
        detail: "A secret named 'raced' already exists.",
      });
    }
    const created = json(responses.find((r) => r.statusCode === 201)!);
    const creator = Number(/^creator (\d+)$/.exec(created.description)![1]);
    const items = await rawItem(profile, 'raced');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: created.id, revision: 1, description: `creator ${creator}` });
    const read = json(await call({ method: 'GET', path: '/secrets/raced', profile }));
    expect(read).toMatchObject({ id: created.id, value: values[creator] });
    summary.push(`concurrency: ${N} POST of one name -> ${JSON.stringify(statusCounts(responses))}`);
  });

  it('concurrent creates of one name by different profiles all succeed, each with its own value', async () => {
    const profiles = Array.from({ length: 10 }, (_, i) => `tenant${i}`);
    const values = profiles.map(() => marker('tenant'));
    const responses = await Promise.all(
      profiles.map((profile, i) => call({ method: 'POST', path: '/secrets', profile, body: { name: 'sameName', value: values[i] } })),
    );
    expect(statusCounts(responses), loggedErrors()).toEqual({ 201: 10 });
    const reads = await Promise.all(profiles.map((profile) => call({ method: 'GET', path: '/secrets/sameName', profile })));
    expect(reads.map((r) => json(r).value)).toEqual(values);
  });

  it('concurrent PATCHes of different fields without If-Match lose no field (no read-modify-write)', async () => {
    const profile = 'fieldsUser';
    await call({ method: 'POST', path: '/secrets', profile, body: { name: 'manyWriters', value: marker('fields') } });
    const ROUNDS = 5;
    for (let round = 1; round <= ROUNDS; round += 1) {
      const value = marker('fields');
      const expiresAt = new Date(Date.now() + round * 3_600_000).toISOString();
      const changes: Record<string, unknown>[] = [
        { value },
        { description: `description ${round}` },
        { version: `${round}.0.0` },
        { annotations: { round: String(round) } },
        { tags: [`round${round}`] },
        { expiresAt },
      ];
      const responses = await Promise.all(changes.map((body) => call({ method: 'PATCH', path: '/secrets/manyWriters', profile, body })));
      expect(statusCounts(responses), loggedErrors()).toEqual({ 200: changes.length });
      // Every writer saw a distinct revision: the writes were serialised, none was lost.
      expect(new Set(responses.map((r) => r.headers.ETag)).size).toBe(changes.length);
      const read = json(await call({ method: 'GET', path: '/secrets/manyWriters', profile }));
      expect(read).toMatchObject({
        value,
        description: `description ${round}`,
        version: `${round}.0.0`,
        annotations: { round: String(round) },
        tags: [`round${round}`],
        expiresAt,
        revision: 1 + round * changes.length,
      });
    }
  });

  it(`${N} concurrent PATCHes of one field without If-Match all apply, each at its own revision`, async () => {
    const profile = 'counterUser';
    await call({ method: 'POST', path: '/secrets', profile, body: { name: 'counter', value: marker('counter') } });
    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) => call({ method: 'PATCH', path: '/secrets/counter', profile, body: { annotations: { writer: String(i) } } })),
    );
    expect(statusCounts(responses), loggedErrors()).toEqual({ 200: N });
    const revisions = responses.map((r) => json(r).revision as number).sort((a, b) => a - b);
    expect(revisions).toEqual(Array.from({ length: N }, (_, i) => i + 2));
    const [item] = await rawItem(profile, 'counter');
    expect(item!.revision).toBe(N + 1);
    // The stored annotations are those of the writer whose response carried the last revision.
    const last = responses.find((r) => json(r).revision === N + 1)!;
    expect(item!.annotations).toEqual(json(last).annotations);
  });

  it(`${N} concurrent DELETEs of one secret, then ${N} forced: one 204 and ${N - 1} 404s each time`, async () => {
    const profile = 'deleteUser';
    await call({ method: 'POST', path: '/secrets', profile, body: { name: 'doomed', value: marker('delete') } });
    const responses = await Promise.all(Array.from({ length: N }, () => call({ method: 'DELETE', path: '/secrets/doomed', profile })));
    expect(statusCounts(responses), loggedErrors()).toEqual({ 204: 1, 404: N - 1 });
    // Scheduled once: one deletion, one purge time.
    expect(await rawItem(profile, 'doomed')).toEqual([expect.objectContaining({ deletedAt: expect.any(String), purgesAt: expect.any(String) })]);
    // Forced, concurrently: one of them removes it, the others find nothing.
    const forced = await Promise.all(Array.from({ length: N }, () => call({ method: 'DELETE', path: '/secrets/doomed', profile, query: { force: 'true' } })));
    expect(statusCounts(forced), loggedErrors()).toEqual({ 204: 1, 404: N - 1 });
    expect(await rawItem(profile, 'doomed')).toEqual([]);
    summary.push(`concurrency: ${N} DELETE of one secret -> ${JSON.stringify(statusCounts(responses))}`);
  });

  it('expire racing PATCHes: every PATCH is a 200 before the expiry or a 410 after, never both applied out of order', async () => {
    const profile = 'expiryUser';
    await call({ method: 'POST', path: '/secrets', profile, body: { name: 'racingExpiry', value: marker('expiry') } });
    const patches = Array.from({ length: 20 }, (_, i) => call({ method: 'PATCH', path: '/secrets/racingExpiry', profile, body: { description: `p${i}` } }));
    const expire = call({ method: 'POST', path: '/secrets/racingExpiry/expire', profile });
    const [expired, ...responses] = await Promise.all([expire, ...patches]);
    expect(expired!.statusCode).toBe(200);
    const counts = statusCounts(responses);
    expect((counts[200] ?? 0) + (counts[410] ?? 0)).toBe(20);
    const expiredAt = json(expired!).revision as number;
    // Applied PATCHes all came before the expiry; the expiry saw exactly those.
    for (const r of responses.filter((r) => r.statusCode === 200)) expect(json(r).revision).toBeLessThan(expiredAt);
    const [item] = await rawItem(profile, 'racingExpiry');
    expect(item!.revision).toBe(1 + (counts[200] ?? 0) + 1);
    expect(expectProblem(await call({ method: 'GET', path: '/secrets/racingExpiry', profile }), 410).code).toBe('SecretExpired');
  });

  it('leaves no plaintext in the table or the logs', async () => {
    const seen = await expectNoPlaintext(harness);
    summary.push(`concurrency: no plaintext in ${seen.items} raw items or ${seen.logLines} log lines`);
  });
});
