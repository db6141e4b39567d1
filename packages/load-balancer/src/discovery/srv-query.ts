// A minimal DNS client for SRV records with their TTLs (node:dns's resolveSrv drops the TTL).
// Message format: RFC 1035 section 4; SRV RDATA: RFC 2782; EDNS(0) payload size: RFC 6891;
// TCP fallback on truncation: RFC 7766.
import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import { PingoraError } from '@pingora-ts/error';

/** An SRV record and the TTL it was served with (seconds). */
export interface SrvAnswer {
  name: string;
  port: number;
  priority: number;
  weight: number;
  ttl: number;
}

const TYPE_SRV = 33;
const TYPE_OPT = 41;
const CLASS_IN = 1;
const RCODE_NXDOMAIN = 3;
// RFC 6891 section 6.2.5: 4096 is the common choice; most answers then fit in one datagram.
const EDNS_PAYLOAD = 4096;

/**
 * Queries `servers` in turn (`ip`, `ip:port` or `[v6]:port`; port 53 by default) for the SRV
 * records of `name`, over UDP and, when the answer is truncated, over TCP. A name without such
 * records (NXDOMAIN, or no SRV answers) gives `[]`.
 *
 * @throws PingoraError `ConnectError` when no server gave a usable answer in `timeoutMs` each.
 */
export async function querySrv(
  name: string,
  servers: readonly string[],
  timeoutMs: number,
): Promise<SrvAnswer[]> {
  let lastError: unknown = new Error('no DNS servers configured');
  for (const server of servers) {
    const { host, port } = parseServer(server);
    const id = Math.floor(Math.random() * 0x10000);
    const query = encodeQuery(id, name);
    try {
      let reply = await exchangeUdp(query, host, port, timeoutMs);
      if ((reply.readUInt16BE(2) & 0x0200) !== 0)
        reply = await exchangeTcp(query, host, port, timeoutMs);
      return decodeSrvReply(reply, id);
    } catch (error) {
      lastError = error;
    }
  }
  throw PingoraError.because('ConnectError', `DNS discovery: resolving SRV ${name}`, lastError);
}

/** Splits `ip`, `ip:port` or `[v6]:port`. */
function parseServer(server: string): { host: string; port: number } {
  if (server.startsWith('[')) {
    const close = server.indexOf(']');
    const port = server.slice(close + 2);
    return { host: server.slice(1, close), port: port === '' ? 53 : Number(port) };
  }
  if (isIPv6(server)) return { host: server, port: 53 };
  const colon = server.lastIndexOf(':');
  return colon < 0
    ? { host: server, port: 53 }
    : { host: server.slice(0, colon), port: Number(server.slice(colon + 1)) };
}

/** A query for `name` IN SRV with recursion desired and an EDNS(0) OPT record. */
export function encodeQuery(id: number, name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.');
  const qname: number[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'utf8');
    if (bytes.length === 0 || bytes.length > 63) {
      throw new RangeError(`DNS name ${JSON.stringify(name)} has an empty or over-long label`);
    }
    qname.push(bytes.length, ...bytes);
  }
  qname.push(0);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  header.writeUInt16BE(1, 10); // ARCOUNT: the OPT record
  const question = Buffer.alloc(4);
  question.writeUInt16BE(TYPE_SRV, 0);
  question.writeUInt16BE(CLASS_IN, 2);
  // OPT: root name, type 41, class = UDP payload size, TTL = extended flags 0, no RDATA.
  const opt = Buffer.from([
    0,
    0,
    TYPE_OPT,
    EDNS_PAYLOAD >> 8,
    EDNS_PAYLOAD & 0xff,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
  return Buffer.concat([header, Buffer.from(qname), question, opt]);
}

/** The SRV answers of a reply to query `id`. */
export function decodeSrvReply(reply: Buffer, id: number): SrvAnswer[] {
  const fail = (why: string): never => {
    throw PingoraError.explain('ReadError', `malformed DNS reply: ${why}`, { source: 'upstream' });
  };
  if (reply.length < 12) fail('shorter than a header');
  if (reply.readUInt16BE(0) !== id) fail('wrong id');
  const flags = reply.readUInt16BE(2);
  if ((flags & 0x8000) === 0) fail('not a response');
  const rcode = flags & 0x000f;
  if (rcode === RCODE_NXDOMAIN) return [];
  if (rcode !== 0) fail(`rcode ${rcode}`);
  const questions = reply.readUInt16BE(4);
  const answers = reply.readUInt16BE(6);
  let at = 12;
  for (let q = 0; q < questions; q++) at = readName(reply, at).next + 4;
  const records: SrvAnswer[] = [];
  for (let a = 0; a < answers; a++) {
    at = readName(reply, at).next;
    if (at + 10 > reply.length) fail('record header past the end');
    const type = reply.readUInt16BE(at);
    const ttl = reply.readUInt32BE(at + 4);
    const length = reply.readUInt16BE(at + 8);
    const data = at + 10;
    if (data + length > reply.length) fail('record data past the end');
    if (type === TYPE_SRV && length >= 7) {
      records.push({
        priority: reply.readUInt16BE(data),
        weight: reply.readUInt16BE(data + 2),
        port: reply.readUInt16BE(data + 4),
        name: readName(reply, data + 6).name,
        // RFC 2181 section 8: a TTL with the top bit set is to be read as 0.
        ttl: ttl > 0x7fffffff ? 0 : ttl,
      });
    }
    at = data + length;
  }
  return records;
}

/** Reads a possibly compressed name (RFC 1035 section 4.1.4) at `start`. */
function readName(buffer: Buffer, start: number): { name: string; next: number } {
  const labels: string[] = [];
  let at = start;
  let next = -1;
  // Each pointer must go backwards, so a loop of pointers cannot run forever; the bound is a
  // second guard.
  for (let hops = 0; hops < 128; hops++) {
    if (at >= buffer.length) break;
    const length = buffer[at]!;
    if (length === 0) {
      return { name: labels.join('.'), next: next < 0 ? at + 1 : next };
    }
    if ((length & 0xc0) === 0xc0) {
      if (at + 1 >= buffer.length) break;
      const target = ((length & 0x3f) << 8) | buffer[at + 1]!;
      if (next < 0) next = at + 2;
      if (target >= at) break;
      at = target;
      continue;
    }
    labels.push(buffer.toString('utf8', at + 1, at + 1 + length));
    at += 1 + length;
  }
  throw PingoraError.explain('ReadError', 'malformed DNS reply: bad name', { source: 'upstream' });
}

function exchangeUdp(
  query: Buffer,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    let isSettled = false;
    const done = (error: Error | undefined, reply?: Buffer) => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve(reply!);
    };
    const timer = setTimeout(
      () => done(new Error(`no answer from ${host}:${port} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('error', (error) => done(error));
    socket.on('message', (message, from) => {
      // Ignore datagrams from anyone but the server, and replies to other ids (RFC 5452).
      if (
        from.port !== port ||
        message.length < 2 ||
        message.readUInt16BE(0) !== query.readUInt16BE(0)
      )
        return;
      done(undefined, message);
    });
    socket.send(query, port, host);
  });
}

function exchangeTcp(
  query: Buffer,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    let isSettled = false;
    const done = (error: Error | undefined, reply?: Buffer) => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(reply!);
    };
    const timer = setTimeout(
      () => done(new Error(`no TCP answer from ${host}:${port}`)),
      timeoutMs,
    );
    socket.on('error', (error) => done(error));
    socket.on('close', () => done(new Error('DNS server closed the TCP connection early')));
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(query.length);
      socket.write(Buffer.concat([length, query]));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        done(undefined, received.subarray(2, 2 + received.readUInt16BE(0)));
      }
    });
  });
}
