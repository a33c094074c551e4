// DynamoDB requests and consumed capacity per operation, counted on the store's own client
// while the real handlers run against a local dynalite. Target: 1 request per operation.
import { pathToFileURL } from 'node:url';
import { lambdaContext } from '../test/support/http.js';
import { loadHandlers } from '../test/support/handlers.js';
import { startTestStore } from '../test/support/store.js';

export interface RequestBenchRow {
  operation: string;
  requests: number;
  target: number;
}

export async function runRequestBench(): Promise<RequestBenchRow[]> {
  const store = await startTestStore({ POWERTOOLS_LOG_LEVEL: 'ERROR' });
  try {
    const handlers = await loadHandlers();
    const { dynamo } = await import('../lib/runtime/clients.js');
    let requests = 0;
    dynamo.middlewareStack.add((next) => async (args) => {
      requests += 1;
      return next(args);
    }, { step: 'initialize', name: 'countRequests' });
    const measure = async (operation: string, run: () => Promise<unknown>): Promise<RequestBenchRow> => {
      requests = 0;
      await run();
      return { operation, requests, target: 1 };
    };
    const profile = { userProfileId: 'bench' };
    // Warm up the cold-start work (module init, key parsing) outside the counts.
    await handlers.create({ ...profile, name: 'warmUp', value: 'x' }, lambdaContext());
    for (let i = 0; i < 60; i += 1) await handlers.create({ ...profile, name: `filler${i}`, value: 'x' }, lambdaContext());
    return [
      await measure('create', () => handlers.create({ ...profile, name: 'benchKey', value: 'bench-value' }, lambdaContext())),
      await measure('get', () => handlers.get({ ...profile, name: 'benchKey' }, lambdaContext())),
      await measure('list page (50)', () => handlers.list({ ...profile, limit: 50 }, lambdaContext())),
      await measure('update', () => handlers.update({ ...profile, name: 'benchKey', description: 'd' }, lambdaContext())),
      await measure('expire', () => handlers.expire({ ...profile, name: 'benchKey' }, lambdaContext())),
      await measure('delete', () => handlers.delete({ ...profile, name: 'benchKey' }, lambdaContext())),
    ];
  } finally {
    await store.close();
  }
}

export function formatRequestBench(rows: readonly RequestBenchRow[]): string {
  return [
    '| operation | DynamoDB requests | target |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.operation} | ${r.requests} | ${r.target} |`),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(formatRequestBench(await runRequestBench()));
}
