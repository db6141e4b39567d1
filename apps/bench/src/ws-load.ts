// The WebSocket echo load generator, written on raw sockets so that the load side costs as
// little as wrk does and the contender in the middle is what the row measures: `connections`
// clients each do the RFC 6455 opening handshake, then send one masked binary message and wait
// for its whole echo before the next, for `seconds`. Runs as its own process (pinned like
// wrk) and prints one JSON line: round trips per second, p50 and p99 latency, errors.
// Run: node dist/ws-load.js <url> <connections> <seconds> <messageBytes>   (messageBytes <= 125)
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';

const [url = '', connectionsArg = '100', secondsArg = '5', bytesArg = '64'] = process.argv.slice(2);
const target = new URL(url);
const connections = Number(connectionsArg);
const size = Number(bytesArg);
if (!(size >= 1 && size <= 125))
  throw new RangeError('messageBytes must be 1..125 (one short frame)');
const deadline = performance.now() + Number(secondsArg) * 1000;

// One masked binary frame (FIN, opcode 2, 7-bit length), built once (RFC 6455 section 5.2).
const mask = randomBytes(4);
const frame = Buffer.alloc(6 + size);
frame[0] = 0x82;
frame[1] = 0x80 | size;
mask.copy(frame, 2);
for (let i = 0; i < size; i++) frame[6 + i] = 0x6d ^ (mask[i & 3] as number);
const echoBytes = 2 + size; // the server's frame is unmasked
const closeFrame = Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]); // 1000, zero mask

// Latencies bucketed by 10 µs up to 1 s, so a long run keeps no per-message array.
const buckets = new Uint32Array(100_001);
let roundTrips = 0;
let errors = 0;

function percentileMs(p: number): number {
  const goal = roundTrips * p;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i] ?? 0;
    if (seen >= goal) return i / 100;
  }
  return Number.NaN;
}

const sockets: net.Socket[] = [];
function client(): Promise<void> {
  return new Promise((resolve) => {
    const key = randomBytes(16).toString('base64');
    const accept = createHash('sha1')
      .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    const socket = net.connect(Number(target.port), target.hostname);
    sockets.push(socket);
    socket.setNoDelay(true);
    let head = '';
    let isOpen = false;
    let isClosing = false;
    let pending = 0;
    let startedAt = 0;
    const send = () => {
      startedAt = performance.now();
      pending = echoBytes;
      socket.write(frame);
    };
    socket.on('connect', () =>
      socket.write(
        `GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    socket.on('data', (data: Buffer) => {
      if (isClosing) return; // the server's close frame
      let chunk = data;
      if (!isOpen) {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        if (!head.startsWith('HTTP/1.1 101') || !head.includes(accept)) {
          errors++;
          socket.destroy();
          return;
        }
        isOpen = true;
        chunk = Buffer.from(head.slice(end + 4), 'latin1');
        send();
      }
      pending -= chunk.length;
      if (pending > 0) return;
      if (pending < 0) errors++; // more than one echo: the contender broke framing
      const us = Math.min(Math.round((performance.now() - startedAt) * 100), buckets.length - 1);
      buckets[us] = (buckets[us] ?? 0) + 1;
      roundTrips++;
      if (performance.now() < deadline) send();
      else {
        isClosing = true;
        socket.end(closeFrame);
      }
    });
    socket.on('error', () => {
      if (!isClosing) errors++;
    });
    socket.on('close', () => resolve());
  });
}

const began = performance.now();
// A contender that stops answering must not hang the matrix: whatever is still open 5 s after
// the deadline is cut and counted as an error.
const guard = setTimeout(
  () => {
    for (const socket of sockets) {
      if (!socket.destroyed) {
        errors++;
        socket.destroy();
      }
    }
  },
  deadline - performance.now() + 5_000,
);
await Promise.all(Array.from({ length: connections }, client));
const elapsed = (performance.now() - began) / 1000;
clearTimeout(guard);
console.log(
  JSON.stringify({
    rps: roundTrips / elapsed,
    p50Ms: percentileMs(0.5),
    p99Ms: percentileMs(0.99),
    requests: roundTrips,
    errors,
  }),
);
