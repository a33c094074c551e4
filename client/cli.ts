// `secret-store`: the store from a shell, on the TypeScript client. Values come from stdin or a
// file, never from argv (argv is in shell history and `ps`). Output is a table for people and
// JSON (`--json`) for scripts; each error class has its own exit code (README, "Exit codes").
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import { SecretNotFound, SecretStoreError, ValidationError } from './errors.js';
import { SecretStore, type SecretStoreOptions } from './store.js';
import { invokeFunction, type LambdaLike } from './transport.js';
import type { AppliedManifest, CreateSecret, IfMatch, Secret, SecretChanges } from './types.js';

/** Exit codes by error code: scripts can tell "not there" from "try again later". */
export const EXIT_CODES: Record<string, number> = {
  ValidationError: 3,
  Unauthorized: 4,
  SecretNotFound: 5,
  VersionNotFound: 5,
  SecretAlreadyExists: 6,
  AmbiguousSecretName: 13,
  SecretExpired: 7,
  VersionDestroyed: 7,
  PreconditionFailed: 8,
  IdempotencyKeyReused: 9,
  PayloadTooLarge: 10,
  UnsupportedMediaType: 10,
  ServiceUnavailable: 11,
  TooManyRequests: 11,
  TransportError: 11,
  DecryptionFailed: 12,
  SecretDamaged: 12,
  InternalError: 12,
};
/** Usage errors (unknown option, missing argument, bad configuration). */
export const USAGE = 2;

export interface Io {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

interface Connection {
  endpoint?: string;
  token?: string;
  tokenFile?: string;
  functionPrefix?: string;
  profile?: string;
  account?: string;
  region?: string;
  lambdaEndpoint?: string;
}

class UsageError extends Error {}

/** Flags over env over the config file (`--config`, SECRET_STORE_CONFIG, ~/.config/secret-store/config.json). */
function connection(flags: Connection & { config?: string }, env: NodeJS.ProcessEnv): Connection {
  const file = flags.config ?? env.SECRET_STORE_CONFIG ?? join(homedir(), '.config', 'secret-store', 'config.json');
  let fromFile: Connection = {};
  try {
    fromFile = JSON.parse(readFileSync(file, 'utf8')) as Connection;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || flags.config !== undefined) throw new UsageError(`cannot read the config file ${file}: ${(error as Error).message}`);
  }
  const fromEnv: Connection = {
    endpoint: env.SECRET_STORE_ENDPOINT,
    token: env.SECRET_STORE_TOKEN,
    tokenFile: env.SECRET_STORE_TOKEN_FILE,
    functionPrefix: env.SECRET_STORE_FUNCTION_PREFIX,
    profile: env.SECRET_STORE_PROFILE,
    account: env.SECRET_STORE_ACCOUNT,
    region: env.SECRET_STORE_REGION ?? env.AWS_REGION,
    lambdaEndpoint: env.SECRET_STORE_LAMBDA_ENDPOINT,
  };
  const pick = <K extends keyof Connection>(key: K) => flags[key] ?? fromEnv[key] ?? fromFile[key];
  return Object.fromEntries((Object.keys(fromEnv) as (keyof Connection)[]).map((k) => [k, pick(k)]).filter(([, v]) => v !== undefined));
}

async function storeFor(c: Connection): Promise<SecretStore> {
  if (c.endpoint) {
    const token = c.token ?? (c.tokenFile ? readFileSync(c.tokenFile, 'utf8').trim() : undefined);
    if (!token) throw new UsageError('an HTTP endpoint needs a token: SECRET_STORE_TOKEN, --token-file or the config file');
    return new SecretStore({ http: { endpoint: c.endpoint, token } });
  }
  if (c.functionPrefix && c.profile) {
    return new SecretStore({
      lambda: { functionPrefix: c.functionPrefix, profile: c.profile, ...(c.account && { account: c.account }), client: await lambdaClientFor(c) },
    } as SecretStoreOptions);
  }
  throw new UsageError('no store configured: give --endpoint (HTTP) or --function-prefix and --profile (direct invocation); see --help');
}

/** A LambdaClient for the configured region and endpoint (the SDK's defaults otherwise). */
async function lambdaClientFor(c: Connection): Promise<LambdaLike> {
  const { LambdaClient } = await import('@aws-sdk/client-lambda');
  return new LambdaClient({ ...(c.region && { region: c.region }), ...(c.lambdaEndpoint && { endpoint: c.lambdaEndpoint }) }) as unknown as LambdaLike;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The value: a file's content, or stdin's; one trailing newline (as `echo` adds) is dropped. */
async function valueFrom(io: Io, fromFile: string | undefined): Promise<string> {
  if (!fromFile && io.stdin.isTTY) throw new UsageError('give the value on stdin (e.g. `pbpaste | secret-store put name`) or with --from-file; never as an argument');
  const text = fromFile ? readFileSync(fromFile, 'utf8') : await readAll(io.stdin);
  return text.replace(/\r?\n$/, '');
}

/** `apiKey` -> `API_KEY`, `openai_api_key` -> `OPENAI_API_KEY`, `2fa_seed` -> `_2FA_SEED` (a shell variable cannot start with a digit). */
export const envName = (name: string) => {
  const variable = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();
  return /^[0-9]/.test(variable) ? `_${variable}` : variable;
};

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A value version (`--version`): 1, 2, ... */
const versionNumber = (text: string) => {
  const version = Number(text);
  if (!/^[1-9][0-9]*$/.test(text) || !Number.isSafeInteger(version)) throw new InvalidArgumentError('a version is a whole number from 1 (see history NAME)');
  return version;
};

/** `--if-match`: a revision number or `*`. */
function ifMatchOf(text: string | undefined): IfMatch | undefined {
  if (text === undefined) return undefined;
  if (text === '*') return '*';
  const revision = Number(text);
  if (!Number.isSafeInteger(revision)) throw new UsageError('--if-match takes a revision number or *');
  return revision;
}
const annotationsOf = (pairs: string[] | undefined) =>
  pairs &&
  Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new UsageError(`--annotation takes key=value, not ${JSON.stringify(pair)}`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );

interface FieldFlags {
  description?: string;
  version?: string;
  tag?: string[];
  annotation?: string[];
  expiresAt?: string;
  visibility?: 'private' | 'account';
}
const fieldsOf = (o: FieldFlags): SecretChanges => ({
  ...(o.description !== undefined && { description: o.description }),
  ...(o.version !== undefined && { version: o.version }),
  ...(o.tag !== undefined && { tags: o.tag }),
  ...(o.annotation !== undefined && { annotations: annotationsOf(o.annotation)! }),
  ...(o.expiresAt !== undefined && { expiresAt: o.expiresAt === 'never' ? null : o.expiresAt }),
  ...(o.visibility !== undefined && { visibility: o.visibility }),
});
const withFieldOptions = (command: Command) =>
  command
    .option('--description <text>', 'the description')
    .option('--version <semver>', 'the semantic version')
    .option('--tag <tag>', 'a tag (repeat for several; replaces the tags)', collect)
    .option('--annotation <key=value>', 'an annotation (repeat for several; replaces the annotations)', collect)
    .option('--expires-at <timestamp>', 'ISO 8601 with a zone, or "never"')
    .addOption(new Option('--visibility <visibility>', "private, or account: every member of your account reads it").choices(['private', 'account']));

/** Fetches `names` (all the profile's live secrets by default), with a progress bar on a TTY. */
async function fetchValues(store: SecretStore, io: Io, only: string[] | undefined): Promise<Map<string, string>> {
  const names = only ?? (await all(store.list())).map((s) => s.name);
  const bar = io.stderr.isTTY && names.length > 1 ? new SingleBar({ stream: io.stderr as NodeJS.WriteStream, format: 'fetching {bar} {value}/{total}', clearOnComplete: true }) : undefined;
  bar?.start(names.length, 0);
  const values = new Map<string, string>();
  try {
    for (const name of names) {
      values.set(name, (await store.get(name)).value);
      bar?.increment();
    }
  } finally {
    bar?.stop();
  }
  const byEnv = new Map<string, string>();
  for (const name of names) {
    const variable = envName(name);
    if (byEnv.has(variable)) throw new UsageError(`${byEnv.get(variable)} and ${name} would both be ${variable}: choose with --only`);
    byEnv.set(variable, name);
  }
  return values;
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const list: T[] = [];
  for await (const item of items) list.push(item);
  return list;
}

/** One secret without its value, from a list: no value read, no access recorded. */
async function findSecret(store: SecretStore, name: string): Promise<Secret> {
  for await (const candidate of store.list({ prefix: name, expired: 'include' })) if (candidate.name === name) return candidate;
  throw new SecretNotFound({ detail: `No secret named '${name}'.` });
}

/** The manifests of `secrets` (values masked), as JSON or YAML: one for a name, a list otherwise. */
async function manifestsText(secrets: Secret | Secret[], format: 'json' | 'yaml'): Promise<string> {
  const { manifestOf } = await import('./manifest.js');
  const manifests = Array.isArray(secrets) ? secrets.map((s) => manifestOf(s)) : manifestOf(secrets);
  if (format === 'json') return `${JSON.stringify(manifests, null, 2)}\n`;
  const { stringify } = await import('yaml');
  return stringify(manifests);
}

/** Secrets as Smarter's `get secrets` shows them: one row each, never a value. */
const secretsTable = (secrets: Secret[]) =>
  table([
    ['NAME', 'DESCRIPTION', 'VERSION', 'TAGS', 'CREATED', 'MODIFIED', 'LAST ACCESSED', 'EXPIRES'],
    ...secrets.map((s) => [
      s.name,
      s.description.length > 40 ? `${s.description.slice(0, 39)}…` : s.description,
      s.version,
      s.tags.join(',') || '-',
      s.createdAt,
      s.updatedAt,
      s.lastAccessed ?? '-',
      s.expired ? 'expired' : (s.expiresAt ?? '-'),
    ]),
  ]);

/**
 * Smarter's `<verb> secret NAME`: the name after the kind, or (`describe NAME`, kept from before)
 * the one argument alone. Only the kind `secret` exists here.
 */
function nameAfterKind(verb: string, first: string, second: string | undefined): string {
  if (second === undefined) return first;
  if (first !== 'secret') throw new UsageError(`${verb} takes \`secret NAME\`: this store has no kind ${JSON.stringify(first)}`);
  return second;
}

const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;
const dotenvQuote = (value: string) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n').replaceAll('$', '\\$')}"`;

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  const out = (text: string): void => void io.stdout.write(text);
  const json = (value: unknown): void => out(`${JSON.stringify(value, null, 2)}\n`);
  let exitCode = 0;

  const program = new Command('secret-store')
    .description('API keys, passwords and tokens in the secret store, from a shell.')
    .addOption(new Option('--endpoint <url>', 'the HTTP API (env SECRET_STORE_ENDPOINT)'))
    .addOption(new Option('--token-file <file>', 'a file holding the bearer token (env SECRET_STORE_TOKEN holds the token itself)'))
    .addOption(new Option('--function-prefix <prefix>', 'invoke the functions directly: e.g. secret-store-prod- (env SECRET_STORE_FUNCTION_PREFIX)'))
    .addOption(new Option('--profile <id>', 'the profile, for direct invocation (env SECRET_STORE_PROFILE)'))
    .addOption(new Option('--account <id>', "the profile's account, for direct invocation (env SECRET_STORE_ACCOUNT); over HTTP the token says"))
    .addOption(new Option('--region <region>', 'the AWS region, for direct invocation (env SECRET_STORE_REGION or AWS_REGION)'))
    .addOption(new Option('--lambda-endpoint <url>', 'a Lambda endpoint other than AWS\'s, e.g. npm start\'s http://localhost:3002'))
    .addOption(new Option('--config <file>', 'a JSON file with the same settings (env SECRET_STORE_CONFIG; default ~/.config/secret-store/config.json)'))
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError();
  const store = () => storeFor(connection(program.opts(), io.env));

  program
    .command('get <what> [name]')
    .description('get NAME prints a secret\'s value (with --json, the secret and its value; with --version N, that version\'s); get secrets lists them, get secret NAME shows one, never a value (-o value prints it)')
    .option('--json', 'NAME: the secret and its value as JSON; secrets, secret NAME: as -o json')
    .option('--owner <profile>', 'NAME: whose secret, when several members of your account share the name')
    .option('--version <n>', 'NAME: that version of the value (history NAME lists them)', versionNumber)
    .addOption(new Option('-o, --output <format>', 'secrets, secret NAME: a table, or manifests with the value masked; value (secret NAME only) prints the value').choices(['table', 'json', 'yaml', 'value']))
    .option('--tag <tag>', 'secrets: only those with this tag')
    .option('--prefix <prefix>', 'secrets: only names starting with this')
    .addOption(new Option('--expired <which>', 'secrets: expired secrets').choices(['exclude', 'include', 'only']))
    .action(async (what: string, name: string | undefined, o: { owner?: string; version?: number; json?: boolean; output?: 'table' | 'json' | 'yaml' | 'value'; tag?: string; prefix?: string; expired?: 'exclude' | 'include' | 'only' }) => {
      const listing = what === 'secrets' && name === undefined;
      if (!listing && (o.tag || o.prefix || o.expired)) throw new UsageError('--tag, --prefix and --expired are for `get secrets`');
      if (o.version !== undefined && (listing || what === 'secret' || name !== undefined || o.output !== undefined)) throw new UsageError("--version is for `get NAME`: it prints that version's value");
      const format = o.output ?? (o.json ? 'json' : 'table');
      if (listing) {
        if (format === 'value') throw new UsageError('-o value prints one secret\'s value: get secret NAME -o value');
        const secrets = await all((await store()).list({ ...(o.tag && { tag: o.tag }), ...(o.prefix && { prefix: o.prefix }), ...(o.expired && { expired: o.expired }) }));
        if (format !== 'table') return out(await manifestsText(secrets, format));
        if (secrets.length === 0) return void io.stderr.write('no secrets\n');
        return out(secretsTable(secrets));
      }
      if (what === 'secret' && name === undefined) throw new UsageError('get secret NAME shows one secret (get secret secret -o value prints the value of a secret named secret)');
      if (name === undefined && o.output === undefined) {
        // The value, as before: `get NAME`; or an earlier one, `get NAME --version N`.
        const secret = await (await store()).get(what, { ...(o.owner && { owner: o.owner }), ...(o.version !== undefined && { version: o.version }) });
        if (o.json) json(secret);
        else out(io.stdout.isTTY ? `${secret.value}\n` : secret.value);
        return;
      }
      const target = nameAfterKind('get', what, name);
      if (format === 'value') {
        const { value } = await (await store()).get(target, o.owner ? { owner: o.owner } : {});
        return out(io.stdout.isTTY ? `${value}\n` : value);
      }
      const secret = await findSecret(await store(), target);
      out(format === 'table' ? secretsTable([secret]) : await manifestsText(secret, format));
    });

  withFieldOptions(
    program
      .command('put <name>')
      .description('create a secret, or replace its value (and the fields given) if it exists; the value comes from stdin or --from-file')
      .option('--from-file <file>', 'read the value from this file')
      .option('--create-only', 'fail (exit 6) if the secret exists'),
  ).action(async (name: string, o: FieldFlags & { fromFile?: string; createOnly?: boolean; json?: boolean }) => {
    const value = await valueFrom(io, o.fromFile);
    const s = await store();
    const fields = fieldsOf(o);
    let secret: Secret;
    try {
      secret = await s.create({ name, value, ...fields } as CreateSecret);
    } catch (error) {
      if (o.createOnly || !(error instanceof SecretStoreError && error.code === 'SecretAlreadyExists')) throw error;
      try {
        secret = await s.update(name, { value, ...fields });
      } catch (updateError) {
        // Taken, yet absent: deleted, its name held for a restore (docs/API.md). The store's 409 says until when.
        if (!(updateError instanceof SecretNotFound)) throw updateError;
        io.stderr.write(`${name} is deleted: restore ${name} brings it back; rm ${name} --force frees the name\n`);
        throw error;
      }
    }
    io.stderr.write(`${secret.name}: revision ${secret.revision}\n`);
  });

  program
    .command('ls')
    .description('list secrets (never values)')
    .option('--tag <tag>', 'only secrets with this tag')
    .option('--prefix <prefix>', 'only names starting with this')
    .addOption(new Option('--expired <which>', 'expired secrets').choices(['exclude', 'include', 'only']))
    .addOption(new Option('--deleted <which>', 'deleted secrets, restorable until they are purged (with DELETED and PURGES columns)').choices(['exclude', 'include', 'only']))
    .addOption(new Option('--scope <scope>', 'your own secrets, or every secret your account shares').choices(['own', 'account']))
    .option('--json', 'JSON, one array')
    .action(async (o: { tag?: string; prefix?: string; expired?: 'exclude' | 'include' | 'only'; deleted?: 'exclude' | 'include' | 'only'; scope?: 'own' | 'account'; json?: boolean }) => {
      const secrets = await all(
        (await store()).list({
          ...(o.tag && { tag: o.tag }),
          ...(o.prefix && { prefix: o.prefix }),
          ...(o.expired && { expired: o.expired }),
          ...(o.deleted && { deleted: o.deleted }),
          ...(o.scope && { scope: o.scope }),
        }),
      );
      if (o.json) return json(secrets);
      if (secrets.length === 0) return void io.stderr.write('no secrets\n');
      const owners = o.scope === 'account';
      const deleted = o.deleted === 'include' || o.deleted === 'only';
      out(
        table([
          ['NAME', ...(owners ? ['OWNER'] : []), 'VERSION', 'REVISION', 'TAGS', 'SHARED', 'UPDATED', 'EXPIRES', ...(deleted ? ['DELETED', 'PURGES'] : [])],
          ...secrets.map((s) => [
            s.name,
            ...(owners ? [s.owner] : []),
            s.version,
            String(s.revision),
            s.tags.join(','),
            s.visibility === 'account' ? 'account' : '-',
            s.updatedAt,
            s.expired ? 'expired' : (s.expiresAt ?? '-'),
            ...(deleted ? [s.deletedAt ?? '-', s.purgesAt ?? '-'] : []),
          ]),
        ]),
      );
    });

  withFieldOptions(
    program
      .command('update <name>')
      .description('change the fields given; --value-stdin or --from-file changes the value')
      .option('--value-stdin', 'read a new value from stdin')
      .option('--from-file <file>', 'read a new value from this file')
      .option('--if-match <revision>', 'only if the secret is at this revision (else exit 8)'),
  ).action(async (name: string, o: FieldFlags & { valueStdin?: boolean; fromFile?: string; ifMatch?: string }) => {
    const changes = { ...fieldsOf(o), ...((o.valueStdin || o.fromFile) && { value: await valueFrom(io, o.fromFile) }) };
    if (Object.keys(changes).length === 0) throw new UsageError('nothing to change: give a field option, --value-stdin or --from-file');
    const ifMatch = ifMatchOf(o.ifMatch);
    const secret = await (await store()).update(name, changes, ifMatch === undefined ? {} : { ifMatch });
    io.stderr.write(`${secret.name}: revision ${secret.revision}\n`);
  });

  program
    .command('expire <name>')
    .description('expire a secret now, or at --at if that is sooner')
    .option('--at <timestamp>', 'ISO 8601 with a zone')
    .action(async (name: string, o: { at?: string }) => {
      const secret = await (await store()).expire(name, o.at ? { at: o.at } : {});
      io.stderr.write(`${secret.name}: expires ${secret.expiresAt}\n`);
    });

  const forceOption = () => new Option('--force', 'at once, value and history, with no recovery');

  program
    .command('rm <name>')
    .description('delete a secret (restore NAME undeletes it during the recovery window)')
    .addOption(forceOption())
    .action(async (name: string, o: { force?: boolean }) => {
      await (await store()).delete(name, { force: Boolean(o.force) });
      io.stderr.write(`${name}: deleted\n`);
    });

  program
    .command('delete <kind> <name>')
    .description('delete secret NAME: Smarter\'s spelling of rm')
    .addOption(forceOption())
    .action(async (kind: string, name: string, o: { force?: boolean }) => {
      const target = nameAfterKind('delete', kind, name);
      await (await store()).delete(target, { force: Boolean(o.force) });
      out(`secret/${target} deleted\n`);
    });

  program
    .command('history <name>')
    .description("a secret's value versions, newest first, never values: get NAME --version N prints one, restore NAME --version N makes it current again")
    .option('--json', 'JSON, one array')
    .action(async (name: string, o: { json?: boolean }) => {
      const versions = await (await store()).versions(name);
      if (o.json) return json(versions);
      const flag = (on: boolean) => (on ? 'yes' : '-');
      out(table([['VERSION', 'CREATED', 'CURRENT', 'DESTROYED'], ...versions.map((v) => [String(v.version), v.createdAt ?? '-', flag(v.current), flag(v.destroyed)])]));
    });

  program
    .command('restore <name>')
    .description("undelete a secret during its recovery window; with --version N, make that version's value the current one again (a rollback)")
    .option('--version <n>', "make this version's value current again, as a new version (history NAME lists them)", versionNumber)
    .option('--if-match <revision>', 'with --version: only if the secret is at this revision (else exit 8)')
    .action(async (name: string, o: { version?: number; ifMatch?: string }) => {
      if (o.version === undefined) {
        if (o.ifMatch !== undefined) throw new UsageError('--if-match goes with --version: an undelete takes no revision');
        const secret = await (await store()).restore(name);
        io.stderr.write(`${secret.name}: restored (revision ${secret.revision})\n`);
        return;
      }
      const ifMatch = ifMatchOf(o.ifMatch);
      const secret = await (await store()).rollback(name, o.version, ifMatch === undefined ? {} : { ifMatch });
      io.stderr.write(`${secret.name}: version ${o.version} restored as version ${secret.valueVersion} (revision ${secret.revision})\n`);
    });

  const onlyOption = () => new Option('--only <names>', 'these secrets only (comma-separated); all live secrets by default').argParser((v) => v.split(',').filter(Boolean));

  program
    .command('env')
    .description('print secrets as environment variables (apiKey becomes API_KEY)')
    .addOption(new Option('--format <format>', 'output format').choices(['dotenv', 'json', 'shell']).default('dotenv'))
    .addOption(onlyOption())
    .action(async (o: { format: 'dotenv' | 'json' | 'shell'; only?: string[] }) => {
      const values = await fetchValues(await store(), io, o.only);
      const variables = [...values].map(([name, value]) => [envName(name), value] as const);
      if (o.format === 'json') return json(Object.fromEntries(variables));
      for (const [variable, value] of variables) out(o.format === 'shell' ? `export ${variable}=${shellQuote(value)}\n` : `${variable}=${dotenvQuote(value)}\n`);
    });

  program
    .command('exec')
    .description('run a command with secrets in its environment; its exit code is passed through')
    .addOption(onlyOption())
    .argument('<command...>', 'the command, after --')
    .passThroughOptions()
    .action(async (command: string[], o: { only?: string[] }) => {
      const values = await fetchValues(await store(), io, o.only);
      const env = { ...io.env, ...Object.fromEntries([...values].map(([name, value]) => [envName(name), value])) };
      exitCode = await new Promise<number>((resolve, reject) => {
        const child = spawn(command[0]!, command.slice(1), { env, stdio: 'inherit' });
        child.on('error', (error) => reject(new UsageError(`cannot run ${command[0]}: ${error.message}`)));
        child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? 15 : 0)));
      });
    });

  program
    .command('apply')
    .description('create or change a secret from a Smarter Secret manifest (YAML or JSON) through the apply function; the value is never printed back')
    .requiredOption('-f, --file <file>', 'the manifest, or - for stdin')
    .option('--json', 'the applied manifest (value masked) as JSON')
    .action(async (o: { file: string; json?: boolean }) => {
      const text = o.file === '-' ? await readAll(io.stdin) : readFileSync(o.file, 'utf8');
      const settings = connection(program.opts(), io.env);
      const s = await storeFor(settings);
      let applied: AppliedManifest;
      if (settings.endpoint) applied = await s.apply(text);
      else {
        // A direct payload is an object: the function's own reader parses it here, with the same limits,
        // and checks it too (a function error carries no field errors to print).
        const { ManifestError, parseManifestText, secretFromManifest } = await import('./manifest.js');
        let manifest: unknown;
        try {
          manifest = parseManifestText(text);
          secretFromManifest(manifest);
        } catch (error) {
          if (!(error instanceof ManifestError)) throw error;
          throw new ValidationError({ detail: error.message, fieldErrors: error.errors });
        }
        applied = await s.apply(manifest as Record<string, unknown>);
      }
      if (o.json) return json(applied);
      const { renamed, outcome, revision } = applied.status;
      if (renamed) io.stderr.write(`renamed ${JSON.stringify(renamed.from)} to ${renamed.to}, as Smarter slugs names\n`);
      out(`secret/${applied.metadata.name} ${outcome} (revision ${revision})\n`);
    });

  program
    .command('describe <what> [name]')
    .description('describe secret NAME (or describe NAME): the secret as a Smarter Secret manifest, its value masked')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .action(async (what: string, name: string | undefined, o: { output: 'yaml' | 'json' }) => {
      out(await manifestsText(await findSecret(await store(), nameAfterKind('describe', what, name)), o.output));
    });

  program
    .command('import')
    .description('bring secrets over from another system')
    .command('smarter <dump>')
    .description('import the secrets of a Smarter `manage.py dumpdata` export through the admin import function (direct invocation)')
    .option('--key-file <file>', "Smarter's Fernet key (default: env FERNET_ENCRYPTION_KEY or SMARTER_FERNET_ENCRYPTION_KEY)")
    .option('--profile-map <file>', 'JSON: Smarter user_profile id -> profile id here, or -> {"profileId", "accountId"} (default "<account number>/<username>", account: the account number)')
    .addOption(new Option('--visibility <visibility>', "who reads them: every member of the owner's account, as in Smarter, or the owner only").choices(['account', 'private']).default('account'))
    .option('--dry-run', 'read and report; write nothing')
    .option('--json', 'the report as JSON')
    .action(async (dump: string, o: { keyFile?: string; profileMap?: string; visibility: 'account' | 'private'; dryRun?: boolean; json?: boolean }) => {
      const key = (o.keyFile ? readFileSync(o.keyFile, 'utf8') : (io.env.FERNET_ENCRYPTION_KEY ?? io.env.SMARTER_FERNET_ENCRYPTION_KEY ?? '')).trim();
      if (!key) throw new UsageError("Smarter's Fernet key is needed: --key-file, or FERNET_ENCRYPTION_KEY in the environment");
      const { importPayload, readSmarterDump } = await import('../lib/migration/smarter-dump.js');
      let report;
      try {
        report = readSmarterDump(JSON.parse(readFileSync(dump, 'utf8')), {
          key,
          visibility: o.visibility,
          ...(o.profileMap && { profileMap: JSON.parse(readFileSync(o.profileMap, 'utf8')) }),
        });
      } catch (error) {
        throw new UsageError(`cannot read ${dump}: ${(error as Error).message}`);
      }
      const outcomes = { imported: 0, unchanged: 0 };
      if (!o.dryRun) {
        const settings = connection(program.opts(), io.env);
        if (!settings.functionPrefix) throw new UsageError('import writes through the admin function: give --function-prefix (direct invocation)');
        const lambda = await lambdaClientFor(settings);
        const bar = io.stderr.isTTY ? new SingleBar({ stream: io.stderr as NodeJS.WriteStream, format: 'importing {bar} {value}/{total}', clearOnComplete: true }) : undefined;
        bar?.start(report.secrets.length, 0);
        try {
          for (let i = 0; i < report.secrets.length; i += 25) {
            const batch = report.secrets.slice(i, i + 25).map(importPayload);
            const body = await invokeFunction(lambda, `${settings.functionPrefix}import`, { secrets: batch });
            for (const result of (body as { results: { outcome: string }[] }).results) outcomes[result.outcome === 'imported' ? 'imported' : 'unchanged'] += 1;
            bar?.increment(batch.length);
          }
        } finally {
          bar?.stop();
        }
      }
      const summary = {
        dryRun: Boolean(o.dryRun),
        ...(o.dryRun ? { toImport: report.secrets.length } : outcomes),
        renamed: report.renamed,
        skipped: report.skipped,
        notes: report.notes,
      };
      if (o.json) return json(summary);
      out(table([['', 'SECRETS'], ...(o.dryRun ? [['to import', String(report.secrets.length)]] : [['imported', String(outcomes.imported)], ['unchanged', String(outcomes.unchanged)]]), ['renamed', String(report.renamed.length)], ['skipped', String(report.skipped.length)]]));
      for (const r of report.renamed) out(`renamed  #${r.pk}: ${r.from} -> ${r.to}\n`);
      for (const r of report.skipped) out(`skipped  #${r.pk} ${r.name}: ${r.reason}\n`);
      for (const r of report.notes) out(`note     #${r.pk} ${r.name}: ${r.note}\n`);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : USAGE;
    if (error instanceof UsageError) {
      io.stderr.write(`secret-store: ${error.message}\n`);
      return USAGE;
    }
    if (error instanceof SecretStoreError) {
      const fields = error.fieldErrors.map((f) => `\n  ${f.path}: ${f.message}`).join('');
      const owners = error.owners.length > 0 ? `\n  owners: ${error.owners.join(', ')} (choose with --owner)` : '';
      io.stderr.write(`secret-store: ${error.code}: ${error.message}${fields}${owners}\n`);
      return EXIT_CODES[error.code] ?? 1;
    }
    io.stderr.write(`secret-store: ${(error as Error)?.message ?? String(error)}\n`);
    return 1;
  }
}
