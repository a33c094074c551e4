#!/usr/bin/env node
// The `secret-store` command (client/cli.ts), run through tsx: the project ships TypeScript.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../client/cli.ts');
process.exitCode = await main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
