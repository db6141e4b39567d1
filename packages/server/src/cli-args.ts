import { parseArgs } from 'node:util';

/** The command line of `pingora-ts-server`, after parsing. */
export interface CliArgs {
  /** `-c/--conf FILE`: the YAML server configuration. */
  readonly conf: string | undefined;
  /** `-t/--test`: validate the configuration and exit (0 valid, 1 not). */
  readonly isTest: boolean;
  /** `-d/--daemon`: detach, write the pid file, log to `error_log`. */
  readonly isDaemon: boolean;
  /** `-u/--upgrade`: take over the listeners of the running master, which then drains. */
  readonly isUpgrade: boolean;
  /** `-h/--help`. */
  readonly isHelp: boolean;
}

/** Usage text printed by `--help` and on a bad command line. */
export const USAGE = `Usage: pingora-ts-server -c FILE [options]

  -c, --conf FILE   YAML server configuration (required)
  -t, --test        validate the configuration and exit: 0 valid, 1 invalid
  -d, --daemon      run in the background: pid file, output to error_log
  -u, --upgrade     take over from the running server (upgrade_sock), which drains and exits
  -h, --help        this text

Signals: SIGTERM graceful shutdown, SIGINT fast shutdown, SIGHUP zero-downtime restart.
`;

/**
 * Parses the arguments after the script name.
 *
 * @throws TypeError on an unknown option or a missing value.
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      conf: { type: 'string', short: 'c' },
      test: { type: 'boolean', short: 't', default: false },
      daemon: { type: 'boolean', short: 'd', default: false },
      upgrade: { type: 'boolean', short: 'u', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    conf: values.conf,
    isTest: values.test,
    isDaemon: values.daemon,
    isUpgrade: values.upgrade,
    isHelp: values.help,
  };
}

/** The same arguments without `-d/--daemon`, for the detached child of a daemon start. */
export function withoutDaemonFlag(argv: readonly string[]): string[] {
  return argv.filter((a) => a !== '-d' && a !== '--daemon');
}
