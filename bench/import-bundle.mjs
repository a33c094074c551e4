// Run as `node import-bundle.mjs <bundle>`, with no flags, as Lambda starts Node: imports the
// bundle once and prints what its init cost (bench/init-probe.ts reads it). Plain JavaScript
// so that nothing but the bundle is loaded between the two clocks.
/* global process, performance -- Node's globals: importing them would load modules early. */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const read = (file) => {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return '';
  }
};
// The VM's steal (/proc/stat, USER_HZ ticks of 10 ms) and the time this thread was runnable
// but waiting for a CPU (/proc/thread-self/schedstat): NaN, printed as null, off Linux.
const steal = () => Number(read('/proc/stat').split('\n', 1)[0].trim().split(/\s+/)[8]) * 10;
const waited = () => Number(read('/proc/thread-self/schedstat').split(' ')[1]) / 1e6;

const url = pathToFileURL(process.argv[2]).href;
const loaded = new Set(process.moduleLoadList);
const steal0 = steal(), waited0 = waited(), t0 = performance.now();
await import(url);
const ms = performance.now() - t0;
const stealMs = steal() - steal0, waitMs = waited() - waited0;
// Node's own modules the import loaded (process.moduleLoadList: built-ins and bindings, in load order).
const builtins = process.moduleLoadList.filter((m) => !loaded.has(m));
process.stdout.write(JSON.stringify({ ms, stealMs, waitMs, builtins }));
