#!/usr/bin/env node
// The `pingora-ts` command: serve (default), test, cert, version, help.
import { runCertificateCli } from '@pingora-ts/tls';
import { HELP, parseCommand } from './cli-commands.js';
import { type CliIo, serveCommand, testCommand } from './serve-command.js';
import { VERSION } from './version.js';

const io: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCommand>;
  try {
    parsed = parseCommand(argv);
  } catch (error) {
    io.err(`pingora-ts: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  switch (parsed.command) {
    case 'help':
      io.out(HELP);
      return 0;
    case 'version':
      io.out(`pingora-ts ${VERSION} (Node ${process.version})\n`);
      return 0;
    case 'cert':
      return runCertificateCli(parsed.rest);
    case 'test':
      return testCommand(parsed.args, io);
    case 'serve':
      return serveCommand(argv, parsed.args, io);
  }
}

process.exitCode = await main(process.argv.slice(2));
