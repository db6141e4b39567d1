// The backend of the WebSocket echo row: a small RFC 6455 echo server on raw sockets, cheap
// enough that the load core is not what limits the row. It answers the opening handshake
// (section 4.2.2), then sends every data frame back unmasked with the same opcode, answers a
// close with a close (section 5.5.1), and drops the connection on anything it does not handle
// (extended lengths above 16 bits, fragmented or reserved-bit frames).
// Run: node dist/peers/ws-echo.js <listenPort>
import { createHash } from 'node:crypto';
import net from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const [listen] = process.argv.slice(2);

function onConnection(socket: net.Socket): void {
  socket.setNoDelay(true);
  let buffered: Buffer = Buffer.alloc(0);
  let isOpen = false;
  socket.on('data', (data: Buffer) => {
    buffered = buffered.length === 0 ? data : Buffer.concat([buffered, data]);
    if (!isOpen) {
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buffered.subarray(0, end).toString('latin1');
      const key = /^sec-websocket-key:\s*(\S+)/im.exec(head)?.[1];
      if (key === undefined) {
        socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      const accept = createHash('sha1')
        .update(key + GUID)
        .digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      isOpen = true;
      buffered = buffered.subarray(end + 4);
    }
    let at = 0;
    while (buffered.length - at >= 2) {
      const b0 = buffered[at] as number;
      const b1 = buffered[at + 1] as number;
      let length = b1 & 0x7f;
      let offset = at + 2;
      if (length === 126) {
        if (buffered.length - at < 4) break;
        length = buffered.readUInt16BE(at + 2);
        offset += 2;
      } else if (length === 127 || (b0 & 0xf0) !== 0x80 || (b1 & 0x80) === 0) {
        socket.destroy(); // not something this echo server handles
        return;
      }
      if (buffered.length < offset + 4 + length) break;
      const mask = buffered.subarray(offset, offset + 4);
      const headerBytes = length < 126 ? 2 : 4;
      const out = Buffer.allocUnsafe(headerBytes + length);
      out[0] = b0;
      if (length < 126) out[1] = length;
      else {
        out[1] = 126;
        out.writeUInt16BE(length, 2);
      }
      const payload = offset + 4;
      for (let i = 0; i < length; i++) {
        out[headerBytes + i] = (buffered[payload + i] as number) ^ (mask[i & 3] as number);
      }
      at = payload + length;
      if ((b0 & 0x0f) === 0x8) {
        socket.end(out); // close: echo it and finish
        return;
      }
      socket.write(out);
    }
    buffered = at === buffered.length ? Buffer.alloc(0) : buffered.subarray(at);
  });
  socket.on('error', () => {});
}

net.createServer(onConnection).listen(Number(listen), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => process.exit(0));
