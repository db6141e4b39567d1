/**
 * The embedded default configuration: what `pingora-ts serve` (and `npm start` at the root)
 * runs without `-c`. It serves the two embedded demo upstreams, whose addresses and JWT secret
 * are filled in at startup (`DEMO_UPSTREAM_1`, `DEMO_UPSTREAM_2`, `DEMO_JWT_SECRET`); `HOST`,
 * `PORT`, `HTTPS_PORT` and `ADMIN_PORT` in the environment move the listeners.
 */
export const DEFAULT_CONFIG = `# Pingora-TS gateway: the embedded demo configuration.
version: 1
listeners:
  - name: http
    address: "\${HOST:-127.0.0.1}:\${PORT:-8080}"
  - name: https
    address: "\${HOST:-127.0.0.1}:\${HTTPS_PORT:-8443}"
    tls: { dev_certificate: true }
admin:
  address: "\${HOST:-127.0.0.1}:\${ADMIN_PORT:-9090}"
logging: { level: info, format: auto, access_log: true }
grace_period_seconds: 5
upstreams:
  demo:
    algorithm: round-robin
    backends: ["\${DEMO_UPSTREAM_1}", "\${DEMO_UPSTREAM_2}"]
    health_check: { type: http, path: /healthz, interval_seconds: 5, timeout_ms: 1000 }
routes:
  - name: websocket-echo
    match: { paths: [/ws] }
    upstream: demo
    websocket: true
  - name: sse-clock
    match: { paths: [/events] }
    upstream: demo
    sse: { keepalive_seconds: 15 }
  - name: static
    match: { paths: ["/static/**"], methods: [GET, HEAD] }
    upstream: demo
    cache: { enabled: true, default_ttl_seconds: 60 }
  - name: api
    match: { paths: ["/api/**"] }
    upstream: demo
    jwt:
      algorithms: [HS256]
      secret: "\${DEMO_JWT_SECRET}"
      issuer: pingora-ts-demo
      audience: demo-api
      forward_claims: { sub: X-User }
    rate_limit: { key: "claim:sub", algorithm: token-bucket, rate_per_second: 5, burst: 10 }
    cors: { allow_origins: ["*"] }
  - name: site
    match: { paths: ["/**"] }
    upstream: demo
`;

/** How the embedded configuration is named in messages and `/status`. */
export const DEFAULT_CONFIG_NAME = '(embedded default)';
