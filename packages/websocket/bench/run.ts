// Echo round trips per second and MB/s: our server vs a `ws` server, each in its own process,
// loaded from this process by a minimal client (100 connections, each sending its next message
// when the echo of the previous one is back) with frames built once up front, so the client
// costs little. 64 B and 16 KiB text messages, without and with permessage-deflate (the client
// offers client_no_context_takeover so one precompressed frame stays valid; the servers keep
// their own context, their default). Our default level is 1 and ws's is zlib's 6, so the
// 16 KiB deflate case also runs with ours on ws's settings (level 6 through a zlib stream on
// the thread pool). Rounds alternate ours / ws; medians of 15.
// Run: pnpm --filter @pingora-ts/websocket bench (build first).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { compareOps, report, row } from '../../../scripts/bench-kit.mjs';

const CONNECTIONS = 100;
const ROUND_MS = 400;
const here = dirname(fileURLToPath(import.meta.url));

// Where the machine allows, the servers run on core 0 and this process (the load) on core 1,
// as the other benchmarks pin theirs: otherwise the scheduler moving the three processes
// between two cores moves the 64 B figures by 10-20% from run to run.
const canPin =
  spawnSync('sh', ['-c', 'command -v taskset']).status === 0 && availableParallelism() >= 2;
if (canPin && process.env.WS_BENCH_PINNED === undefined) {
  const pinned = spawnSync('taskset', ['-c', '1', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, WS_BENCH_PINNED: '1' },
  });
  process.exit(pinned.status ?? 1);
}

function startServer(
  which: string,
): Promise<{ child: ChildProcess; ports: { plain: number; deflate: number; deflate6: number } }> {
  const command = [process.execPath, join(here, 'echo-server.ts'), which];
  const child = canPin
    ? spawn('taskset', ['-c', '0', ...command], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(command[0] as string, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (line: Buffer) =>
      resolve({ child, ports: JSON.parse(line.toString()) }),
    );
  });
}

/** Deterministic JSON-ish text, compressible like real chat or API traffic. */
function text(size: number): Buffer {
  const words = [
    'user',
    'message',
    'value',
    'status',
    'ok',
    'price',
    'items',
    'id',
    'time',
    'name',
  ];
  let out = '';
  let seed = 7;
  while (out.length < size) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out += `{"${words[seed % 10]}":${seed % 100000},"${words[(seed >> 8) % 10]}":"${words[(seed >> 4) % 10]}"},`;
  }
  return Buffer.from(out.slice(0, size));
}

/** A masked client text frame (RSV1 when compressed). */
function clientFrame(payload: Buffer, isCompressed: boolean): Buffer {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.alloc(header + 4 + length);
  frame[0] = 0x81 | (isCompressed ? 0x40 : 0);
  if (length < 126) frame[1] = 0x80 | length;
  else if (length < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = [0x12, 0x34, 0x56, 0x78];
  frame.set(mask, header);
  for (let i = 0; i < length; i++) frame[header + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

/** One benchmark connection: counts complete data messages coming back and sends the next. */
class Connection {
  readonly socket: net.Socket;
  frame: Buffer = Buffer.alloc(0);
  isActive = false;
  inFlight = false;
  count = 0;
  private pending: Buffer = Buffer.alloc(0);
  onIdle: (() => void) | undefined;

  constructor(socket: net.Socket) {
    this.socket = socket;
  }

  start(): void {
    this.isActive = true;
    this.inFlight = true;
    this.socket.write(this.frame);
  }

  /** Feeds bytes after the handshake. */
  push(chunk: Buffer): void {
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (buf.length < 2) break;
      const len7 = buf[1]! & 0x7f;
      const header = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
      if (buf.length < header) break;
      const length =
        len7 === 126 ? buf.readUInt16BE(2) : len7 === 127 ? Number(buf.readBigUInt64BE(2)) : len7;
      if (buf.length < header + length) break;
      const opcode = buf[0]! & 0x0f;
      const fin = (buf[0]! & 0x80) !== 0;
      buf = buf.subarray(header + length);
      if (opcode < 8 && fin) this.onEcho();
    }
    this.pending = buf;
  }

  private onEcho(): void {
    this.count++;
    if (this.isActive) this.socket.write(this.frame);
    else {
      this.inFlight = false;
      this.onIdle?.();
    }
  }
}

async function open(port: number, deflate: boolean): Promise<Connection> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.setNoDelay(true);
  const extension = deflate
    ? 'Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; client_max_window_bits\r\n'
    : '';
  socket.write(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extension}\r\n`,
  );
  const connection = new Connection(socket);
  let head = Buffer.alloc(0);
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const text = head.subarray(0, end).toString('latin1');
      if (!text.startsWith('HTTP/1.1 101')) return reject(new Error(text));
      if (deflate !== /permessage-deflate/i.test(text))
        return reject(new Error(`extension: ${text}`));
      socket.on('data', (d: Buffer) => connection.push(d));
      if (head.length > end + 4) connection.push(head.subarray(end + 4));
      resolve();
    };
    socket.on('data', onData);
  });
  return connection;
}

/** Runs every connection for ROUND_MS, waits for the echoes in flight, returns round trips. */
async function runFor(connections: Connection[]): Promise<number> {
  for (const c of connections) c.count = 0;
  for (const c of connections) c.start();
  await new Promise((r) => setTimeout(r, ROUND_MS));
  await Promise.all(
    connections.map(
      (c) =>
        new Promise<void>((resolve) => {
          c.isActive = false;
          if (!c.inFlight) resolve();
          else c.onIdle = resolve;
        }),
    ),
  );
  return connections.reduce((sum, c) => sum + c.count, 0);
}

const servers = { ours: await startServer('ours'), ws: await startServer('ws') };
const rows = [];
try {
  const scenarios: Array<{
    deflate: boolean;
    size: number;
    port: 'plain' | 'deflate' | 'deflate6';
    isWarmup?: boolean;
  }> = [
    // Both server processes start cold: one untimed scenario warms their JIT first.
    { deflate: false, size: 64, port: 'plain', isWarmup: true },
    { deflate: false, size: 64, port: 'plain' },
    { deflate: false, size: 16 * 1024, port: 'plain' },
    { deflate: true, size: 64, port: 'deflate' },
    { deflate: true, size: 16 * 1024, port: 'deflate' },
    { deflate: true, size: 16 * 1024, port: 'deflate6' },
  ];
  for (const { deflate, size, port: portName, isWarmup } of scenarios) {
    {
      const payload = text(size);
      // Like the ws client's default threshold (1 KiB): small messages go uncompressed.
      const isCompressed = deflate && size >= 1024;
      const wire = isCompressed
        ? zlib.deflateRawSync(payload, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4)
        : payload;
      const frame = clientFrame(wire, isCompressed);
      const pools: Record<'ours' | 'ws', Connection[]> = { ours: [], ws: [] };
      for (const which of ['ours', 'ws'] as const) {
        const port = servers[which].ports[portName];
        for (let i = 0; i < CONNECTIONS; i++) {
          const c = await open(port, deflate);
          c.frame = frame;
          pools[which].push(c);
        }
      }
      const result = await compareOps(
        { ours: () => runFor(pools.ours), ws: () => runFor(pools.ws) },
        isWarmup ? { rounds: 1, warmup: 4 } : { rounds: 15, warmup: 2 },
      );
      for (const c of [...pools.ours, ...pools.ws]) c.socket.destroy();
      if (isWarmup) continue;
      const level = portName === 'deflate6' ? ' ws settings both' : '';
      const name = `echo ${size === 64 ? '64 B' : '16 KiB'}${deflate ? ' deflate' : ''}${level}, ${CONNECTIONS} conns`;
      // The ws-settings row is a like-for-like check (both in the same zlib), not an issue goal.
      const goal = level === '' ? 1.0 : undefined;
      rows.push(row(name, 'round trips/s', result.ours, 'ws', result.ws, goal));
      const mb = (ops: number) => (ops * size * 2) / 1e6; // both directions
      rows.push(row(name, 'MB/s', mb(result.ours), 'ws', mb(result.ws), goal));
    }
  }
} finally {
  servers.ours.child.kill();
  servers.ws.child.kill();
}
report('websocket', 'echo', rows);
