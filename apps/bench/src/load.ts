// Load generators: wrk (HTTP/1.1) and h2load (HTTP/2), pinned to a core where the machine
// allows, their figures parsed from their own output.
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hasTool } from './processes.js';

const run = promisify(execFile);
const canPin = hasTool('taskset') && availableParallelism() >= 2;

/** What one load run measured. */
export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

function ms(value: string | undefined, unit: string | undefined): number {
  const v = Number(value);
  return unit === 'us' ? v / 1000 : unit === 's' ? v * 1000 : v;
}

async function pinned(core: number | undefined, command: string, args: string[]): Promise<string> {
  const { stdout } =
    canPin && core !== undefined
      ? await run('taskset', ['-c', String(core), command, ...args], { maxBuffer: 1 << 24 })
      : await run(command, args, { maxBuffer: 1 << 24 });
  return stdout;
}

/** wrk with one thread and `connections` connections for `seconds`. */
export async function wrk(
  url: string,
  options: { connections: number; seconds: number; core?: number; headers?: string[] },
): Promise<LoadResult> {
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency'];
  for (const h of options.headers ?? []) args.push('-H', h);
  const out = await pinned(options.core, 'wrk', [...args, url]);
  const p50 = /50%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  // wrk's Requests/sec counts every response, 4xx and 5xx included: a contender that fails
  // half its requests (as @fastify/http-proxy does with Connection: close) must not be
  // credited for them, so only the 2xx and 3xx share of the rate counts.
  const ok = requests > 0 ? (requests - non2xx) / requests : 0;
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]) * ok,
    p50Ms: ms(p50?.[1], p50?.[2]),
    p99Ms: ms(p99?.[1], p99?.[2]),
    requests: requests - non2xx,
    errors: (errors === null ? 0 : errors.slice(1).reduce((a, b) => a + Number(b), 0)) + non2xx,
  };
}

/** h2load (h2c with prior knowledge) for `seconds` with `clients` x `streams`. */
export async function h2load(
  url: string,
  options: { clients: number; streams: number; seconds: number; core?: number },
): Promise<LoadResult> {
  const out = await pinned(options.core, 'h2load', [
    '-D',
    String(options.seconds),
    '-c',
    String(options.clients),
    '-m',
    String(options.streams),
    '-t',
    '1',
    url,
  ]);
  const requests =
    /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(
      out,
    );
  // h2load prints request latency as min / max / mean / sd; the mean stands in for p50 here.
  const latency =
    /time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)/.exec(out);
  // As with wrk, only the succeeded requests (2xx and 3xx) count towards the rate.
  const finished = /finished in ([\d.]+)(us|ms|s),/.exec(out);
  const elapsedMs = ms(finished?.[1], finished?.[2]);
  const succeeded = Number(requests?.[3] ?? 0);
  return {
    rps: elapsedMs > 0 ? (succeeded * 1000) / elapsedMs : 0,
    p50Ms: ms(latency?.[5], latency?.[6]),
    p99Ms: ms(latency?.[3], latency?.[4]), // the maximum: h2load prints no percentiles
    requests: succeeded,
    errors: Number(requests?.[4] ?? 0), // `failed`; h2load's `errored` is a subset of it
  };
}

/**
 * WebSocket echo round trips: `connections` `ws` clients (dist/ws-load.js, its own process),
 * each sending a `bytes` message and waiting for the echo before the next, for `seconds`.
 */
export async function wsEcho(
  url: string,
  options: { connections: number; seconds: number; bytes: number; core?: number },
): Promise<LoadResult> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'ws-load.js');
  const out = await pinned(options.core, process.execPath, [
    script,
    url,
    String(options.connections),
    String(options.seconds),
    String(options.bytes),
  ]);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as LoadResult;
}
