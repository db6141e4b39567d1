import { spawn } from 'node:child_process';
import { openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PingoraError } from '@pingora-ts/error';
import { type CliArgs, formatIssue } from '@pingora-ts/server';
import { banner } from './banner.js';
import type { GatewayConfig } from './config/config-schema.js';
import { DEFAULT_CONFIG, DEFAULT_CONFIG_NAME } from './config/default-config.js';
import { checkConfigText, issuesOf, loadConfigFile, parseConfig } from './config/load-config.js';
import { type DemoStack, startDemoStack } from './demo/demo-stack.js';
import { ensureDevCertificate } from './dev-certificate.js';
import { Gateway } from './gateway.js';
import { VERSION } from './version.js';

/** Where the CLI writes. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** `pingora-ts test -c FILE`: 0 when valid, 1 with every issue printed as file:line:column. */
export function testCommand(args: CliArgs, io: CliIo): number {
  if (args.conf === undefined) {
    const checked = checkConfigText(DEFAULT_CONFIG, {
      DEMO_UPSTREAM_1: '127.0.0.1:1',
      DEMO_UPSTREAM_2: '127.0.0.1:2',
      DEMO_JWT_SECRET: 'x',
    });
    io.out(
      checked.config === undefined ? 'embedded default: invalid\n' : `${DEFAULT_CONFIG_NAME}: ok\n`,
    );
    return checked.config === undefined ? 1 : 0;
  }
  let text: string;
  try {
    text = readFileSync(args.conf, 'utf8');
  } catch (error) {
    io.err(`${args.conf}: cannot read: ${(error as Error).message}\n`);
    return 1;
  }
  const checked = checkConfigText(text, process.env, dirname(resolve(args.conf)));
  if (checked.config !== undefined) {
    io.out(
      `${args.conf}: ok (${checked.config.routes.length} routes, ${Object.keys(checked.config.upstreams ?? {}).length} upstreams)\n`,
    );
    return 0;
  }
  for (const issue of checked.issues) io.err(`${formatIssue(args.conf, issue)}\n`);
  return 1;
}

/**
 * `pingora-ts serve`: runs the gateway until SIGTERM/SIGINT. Without `-c`, the embedded demo
 * (its upstreams in this process). Resolves with the exit code once stopped.
 */
export async function serveCommand(
  argv: readonly string[],
  args: CliArgs,
  io: CliIo,
): Promise<number> {
  let demo: DemoStack | undefined;
  let config: GatewayConfig;
  let load: () => GatewayConfig;
  try {
    if (args.conf === undefined) {
      demo = await startDemoStack();
      const vars = { ...process.env, ...demo.vars };
      config = parseConfig(DEFAULT_CONFIG, DEFAULT_CONFIG_NAME, vars);
      load = () => parseConfig(DEFAULT_CONFIG, DEFAULT_CONFIG_NAME, vars);
    } else {
      const file = args.conf;
      config = loadConfigFile(file);
      load = () => loadConfigFile(file);
    }
  } catch (error) {
    await demo?.close();
    reportError(error, io);
    return 1;
  }
  if (args.isDaemon) {
    await demo?.close();
    return daemonize(argv, config, io);
  }
  const pidFile = config.pid_file === undefined ? undefined : resolve(config.pid_file);
  const previousPid = args.isUpgrade ? readPid(pidFile) : undefined;
  if (args.isUpgrade && previousPid === undefined) {
    io.err('--upgrade needs pid_file in the config naming the running gateway\n');
    await demo?.close();
    return 1;
  }
  // Where the development certificate lives (tests point it at a directory they remove).
  const devCertificateDir = process.env.PINGORA_TS_DEV_CERT_DIR;
  let gateway: Gateway;
  try {
    gateway = await Gateway.start({
      config,
      load,
      ...(devCertificateDir === undefined ? {} : { devCertificateDir }),
      ...(args.conf === undefined ? {} : { file: args.conf }),
    });
  } catch (error) {
    await demo?.close();
    reportError(error, io);
    if (demo !== undefined && PingoraError.is(error) && error.kind === 'BindError') {
      io.err("The demo's ports are taken: move it with PORT, HTTPS_PORT, ADMIN_PORT (and HOST).\n");
    }
    return 1;
  }
  if (pidFile !== undefined) writeFileSync(pidFile, `${process.pid}\n`);
  if (previousPid !== undefined && previousPid !== process.pid) {
    // Our listeners are bound beside the old ones (SO_REUSEPORT): the old gateway may drain.
    try {
      process.kill(previousPid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  const usesDevCert = config.listeners.some((l) => l.tls?.dev_certificate === true);
  io.out(
    banner({
      gateway,
      configName: args.conf ?? DEFAULT_CONFIG_NAME,
      version: VERSION,
      demoToken: demo?.token,
      caFile: usesDevCert ? ensureDevCertificate(devCertificateDir).caFile : undefined,
    }),
  );
  return new Promise<number>((resolveExit) => {
    let isStopping = false;
    const stop = async (graceMs?: number) => {
      if (isStopping) return;
      isStopping = true;
      process.off('SIGHUP', onHup);
      await gateway.close(graceMs);
      await demo?.close();
      if (pidFile !== undefined && readPid(pidFile) === process.pid)
        rmSync(pidFile, { force: true });
      resolveExit(0);
    };
    const onHup = () => void gateway.reload('SIGHUP');
    process.on('SIGHUP', onHup);
    process.once('SIGTERM', () => void stop());
    process.once('SIGINT', () => void stop(1000));
  });
}

function readPid(file: string | undefined): number | undefined {
  if (file === undefined) return undefined;
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** `-d`: the same command without `-d`, detached, output to `error_log` (or nowhere). */
function daemonize(argv: readonly string[], config: GatewayConfig, io: CliIo): number {
  const log = config.error_log === undefined ? 'ignore' : openSync(resolve(config.error_log), 'a');
  const child = spawn(
    process.execPath,
    [process.argv[1] as string, ...argv.filter((a) => a !== '-d' && a !== '--daemon')],
    {
      detached: true,
      stdio: ['ignore', log, log],
    },
  );
  child.unref();
  io.out(`pingora-ts gateway started in the background, pid ${child.pid}\n`);
  return 0;
}

function reportError(error: unknown, io: CliIo): void {
  const issues = issuesOf(error);
  const detail = (error as PingoraError).detail as { file?: string } | undefined;
  if (issues.length > 0) {
    for (const issue of issues) io.err(`${formatIssue(detail?.file ?? 'config', issue)}\n`);
    return;
  }
  io.err(`pingora-ts: ${PingoraError.is(error) ? error.message : String(error)}\n`);
}
