import { parseArgs } from 'node:util';
import { type CliArgs, parseCliArgs } from '@pingora-ts/server';

/** The sub-commands of `pingora-ts`. */
export type CommandName = 'serve' | 'test' | 'cert' | 'version' | 'help';

/** A parsed command line. */
export type ParsedCommand =
  | { readonly command: 'serve' | 'test'; readonly args: CliArgs }
  | { readonly command: 'cert'; readonly rest: readonly string[] }
  | { readonly command: 'version' | 'help' };

/** `pingora-ts --help`. */
export const HELP = `Usage: pingora-ts [command] [options]

Commands:
  serve [-c FILE]     run the gateway (the default command). Without -c it runs the embedded
                      demo: HTTP :8080, HTTPS :8443 (development certificate), admin :9090,
                      two demo upstreams (override ports with PORT, HTTPS_PORT, ADMIN_PORT, HOST)
  test -c FILE        validate the configuration: prints file:line:column: key: message for
                      every problem and exits 1, or prints "ok" and exits 0
  cert create|inspect development certificates (pingora-ts cert create --out DIR --dns localhost)
  version             print the version
  help                this text

Options of serve (those of @pingora-ts/server):
  -c, --conf FILE     YAML gateway configuration (see examples/gateway.yaml)
  -t, --test          validate the configuration and exit (same as the test command)
  -d, --daemon        run in the background (output to error_log, pid to pid_file)
  -u, --upgrade       start beside the running gateway (pid_file), then make it drain and exit
  -h, --help          this text

Signals: SIGHUP reloads the configuration (so does saving the file); an invalid one is refused
and the running one stays. SIGTERM stops gracefully; SIGINT (Ctrl-C) stops faster.
`;

/**
 * Parses `argv` (after the script): an optional command, then the server flags.
 *
 * @throws TypeError on an unknown command or option.
 */
export function parseCommand(argv: readonly string[]): ParsedCommand {
  const [first, ...rest] = argv;
  if (first === 'version' || first === '--version' || first === '-v') return { command: 'version' };
  if (first === 'help' || first === '--help' || first === '-h') return { command: 'help' };
  if (first === 'cert') return { command: 'cert', rest };
  const isNamed = first === 'serve' || first === 'test';
  const flags = isNamed ? rest : argv;
  if (!isNamed && first !== undefined && !first.startsWith('-')) {
    throw new TypeError(`unknown command "${first}"`);
  }
  // Validate the shape first with node's parser for a clear message, then reuse the server's.
  parseArgs({
    args: [...flags],
    options: {
      conf: { type: 'string', short: 'c' },
      test: { type: 'boolean', short: 't' },
      daemon: { type: 'boolean', short: 'd' },
      upgrade: { type: 'boolean', short: 'u' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  const args = parseCliArgs(flags);
  if (args.isHelp) return { command: 'help' };
  const command = first === 'test' || args.isTest ? 'test' : 'serve';
  return { command, args };
}
