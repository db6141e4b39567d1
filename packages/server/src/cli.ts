#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CliArgs, parseCliArgs, USAGE, withoutDaemonFlag } from './cli-args.js';
import { checkConfig, formatIssue, loadConfig } from './config-loader.js';
import { detach, isDaemonChild, reportDaemonReady } from './daemon.js';
import { createLog } from './log-line.js';
import { Supervisor } from './supervisor.js';

// The `pingora-ts-server` command: the master process of a server run (see USAGE).

function fail(message: string, code: number): never {
  process.stderr.write(`pingora-ts-server: ${message}\n`);
  process.exit(code);
}

function testConfig(file: string): never {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    fail(`cannot read ${file}: ${String(error)}`, 1);
  }
  const checked = checkConfig(text, file);
  if (checked.config === undefined) {
    for (const issue of checked.issues) process.stderr.write(`${formatIssue(file, issue)}\n`);
    process.exit(1);
  }
  process.stdout.write(`${file}: configuration OK\n`);
  process.exit(0);
}

async function main(argv: readonly string[]): Promise<void> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`, 2);
  }
  if (args.isHelp) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.conf === undefined) fail(`-c/--conf is required\n\n${USAGE}`, 2);
  if (args.isTest) testConfig(args.conf);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(args.conf);
  } catch (error) {
    fail(String(error), 1);
  }
  if ((args.isDaemon || config.daemon) && !isDaemonChild()) {
    try {
      const pid = await detach(
        fileURLToPath(import.meta.url),
        withoutDaemonFlag(argv),
        config.errorLog,
      );
      process.stdout.write(`pingora-ts-server: running in the background, pid ${pid}\n`);
      process.exit(0);
    } catch (error) {
      fail(String(error instanceof Error ? error.message : error), 1);
    }
  }
  const log = createLog('master');
  const supervisor = new Supervisor({ config, isUpgrade: args.isUpgrade, log });
  supervisor.installSignals((code) => process.exit(code));
  try {
    await supervisor.start();
  } catch (error) {
    log(`start failed: ${String(error)}`);
    process.exit(1);
  }
  if (isDaemonChild()) reportDaemonReady();
}

await main(process.argv.slice(2));
