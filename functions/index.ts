// Every function, by name (its folder, and the last part of its deployed name).
import type { FunctionConfig } from './definition.js';
import create from './create/config.js';
import get from './get/config.js';
import list from './list/config.js';
import update from './update/config.js';
import expire from './expire/config.js';
import remove from './delete/config.js';
import sweep from './sweep/config.js';
import rotate from './rotate/config.js';
import publish from './publish/config.js';
import importSecrets from './import/config.js';
import versions from './versions/config.js';
import restore from './restore/config.js';
import apply from './apply/config.js';

export const FUNCTIONS = { create, get, list, expire, update, delete: remove, versions, restore, sweep, rotate, publish, import: importSecrets, apply } satisfies Record<string, FunctionConfig>;

export type FunctionName = keyof typeof FUNCTIONS;

export type Handler = (event: unknown, context: unknown) => Promise<unknown>;

// Imported on demand: a handler reads its configuration from the environment when first imported.
const HANDLER_MODULES: Record<FunctionName, () => Promise<{ handler: unknown }>> = {
  create: () => import('./create/handler.js'),
  get: () => import('./get/handler.js'),
  list: () => import('./list/handler.js'),
  expire: () => import('./expire/handler.js'),
  update: () => import('./update/handler.js'),
  delete: () => import('./delete/handler.js'),
  sweep: () => import('./sweep/handler.js'),
  rotate: () => import('./rotate/handler.js'),
  publish: () => import('./publish/handler.js'),
  versions: () => import('./versions/handler.js'),
  restore: () => import('./restore/handler.js'),
  import: () => import('./import/handler.js'),
  apply: () => import('./apply/handler.js'),
};

/** Every function's handler, for tests and benchmarks that run them unbundled. */
export async function loadHandlers(): Promise<Record<FunctionName, Handler>> {
  const names = Object.keys(HANDLER_MODULES) as FunctionName[];
  const modules = await Promise.all(names.map((name) => HANDLER_MODULES[name]()));
  return Object.fromEntries(names.map((name, i) => [name, modules[i]!.handler as Handler])) as Record<FunctionName, Handler>;
}
