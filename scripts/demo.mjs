#!/usr/bin/env node
// `npm start` until apps/gateway exists: a small HTTP service on 127.0.0.1 (PORT, default
// 8080) that answers from the built packages. GET /errors lists every error kind with its
// retry decision and downstream statuses; GET /errors/<Kind>?source=upstream|downstream|internal
// builds that error and answers with the status the proxy would send, and the error as JSON.
import http from 'node:http';
import { ERROR_KINDS, KIND_DEFAULTS, PingoraError } from '../packages/error/dist/index.js';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';

function send(res, status, body) {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', `http://${host}`);
  if (url.pathname === '/' || url.pathname === '/errors') {
    return send(res, 200, Object.fromEntries(ERROR_KINDS.map((k) => [k, KIND_DEFAULTS[k]])));
  }
  const m = /^\/errors\/([A-Za-z0-9]+)$/.exec(url.pathname);
  if (m && ERROR_KINDS.includes(m[1]) && m[1] !== 'HTTPStatus') {
    const source = url.searchParams.get('source') ?? 'upstream';
    if (!['upstream', 'downstream', 'internal'].includes(source)) {
      return send(res, 400, {
        error: `source must be upstream, downstream or internal, got ${source}`,
      });
    }
    const e = PingoraError.explain(m[1], `demo request ${url.pathname}`, { source });
    return send(res, e.downstreamStatus() ?? 499, {
      kind: e.kind,
      code: e.code,
      source: e.source,
      retry: e.retry,
      status: e.downstreamStatus() ?? null,
      text: e.toString(),
    });
  }
  send(res, 404, {
    error: `no route for ${url.pathname}`,
    try: ['/errors', '/errors/ConnectRefused'],
  });
});

server.listen(port, host, () => {
  console.log(
    `Pingora-TS demo on http://${host}:${port}/errors  (Node ${process.version}; Ctrl-C stops)`,
  );
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
