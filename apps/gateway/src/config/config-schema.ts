import { isIP } from 'node:net';
import { ALGORITHMS, type AlgorithmName } from '@pingora-ts/load-balancer';
import { z } from 'zod';

// The YAML keys are snake_case, like Pingora's server configuration. Every object is strict: an
// unknown key (a typo) is an error, never a silent fallback to a default.

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/;

/** `host:port` (IPv6 in brackets), port 0..65535 (0: any free port, for tests). */
const address = z
  .string()
  .regex(HOST_PORT, 'expected host:port (IPv6 as [::1]:port)')
  .refine(
    (s) => !HOST_PORT.test(s) || Number(s.slice(s.lastIndexOf(':') + 1)) <= 65_535,
    'port above 65535',
  );

const milliseconds = z.number().int().min(0);
const positiveSeconds = z.number().positive();

/** `10.0.0.0/8`, `::1`, `192.168.1.7`: an address or a CIDR block. */
const cidr = z.string().refine((s) => {
  const [ip, bits, ...rest] = s.split('/');
  if (ip === undefined || rest.length > 0) return false;
  const family = isIP(ip);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return Number.isInteger(n) && n >= 0 && n <= (family === 4 ? 32 : 128);
}, 'expected an IP address or CIDR block (10.0.0.0/8, ::1/128)');

const tlsFiles = z.strictObject({
  /** PEM certificate chain. */
  cert_file: z.string().min(1).optional(),
  /** PEM private key. */
  key_file: z.string().min(1).optional(),
  /** Generate (once) a development CA and a certificate for localhost instead of files. */
  dev_certificate: z.boolean().optional(),
});

const listener = z.strictObject({
  name: z.string().min(1).optional(),
  address,
  tls: tlsFiles
    .refine(
      (t) => t.dev_certificate === true || (t.cert_file !== undefined && t.key_file !== undefined),
      'tls needs cert_file and key_file, or dev_certificate: true',
    )
    .optional(),
  /** HTTP/2: by ALPN on TLS listeners, prior knowledge (h2c) on plain ones. */
  h2: z.boolean().optional(),
});

const timeouts = z.strictObject({
  connect_ms: milliseconds.optional(),
  total_connect_ms: milliseconds.optional(),
  read_ms: milliseconds.optional(),
  write_ms: milliseconds.optional(),
  idle_ms: milliseconds.optional(),
});

const backend = z.union([
  address,
  z.strictObject({ address, weight: z.number().int().min(1).max(10_000).optional() }),
]);

const healthCheck = z.strictObject({
  type: z.enum(['http', 'tcp']).optional(),
  path: z.string().startsWith('/').optional(),
  host: z.string().optional(),
  expected_status: z.tuple([z.number().int(), z.number().int()]).optional(),
  body_match: z.string().optional(),
  interval_seconds: positiveSeconds.optional(),
  timeout_ms: milliseconds.optional(),
  healthy_threshold: z.number().int().min(1).optional(),
  unhealthy_threshold: z.number().int().min(1).optional(),
});

const discovery = z.union([
  z.strictObject({
    dns: z.strictObject({
      name: z.string().min(1),
      type: z.enum(['A', 'AAAA', 'A+AAAA', 'SRV']).optional(),
      port: z.number().int().min(1).max(65_535).optional(),
      servers: z.array(z.string()).optional(),
      interval_seconds: positiveSeconds.optional(),
    }),
  }),
  z.strictObject({
    file: z.strictObject({ path: z.string().min(1), interval_seconds: positiveSeconds.optional() }),
  }),
]);

const upstream = z
  .strictObject({
    /** A selection algorithm of `@pingora-ts/load-balancer`. */
    algorithm: z.enum(Object.keys(ALGORITHMS) as [AlgorithmName, ...AlgorithmName[]]).optional(),
    /** What `consistent-hash` / `fnv-hash` hash: the client IP, the path, or a header. */
    hash_key: z.string().optional(),
    backends: z.array(backend).min(1).optional(),
    discovery: discovery.optional(),
    health_check: healthCheck.optional(),
    /**
     * The protocol to the backends: `h1` (HTTP/1.1, the default), `h2` (HTTP/2: by ALPN over
     * TLS, prior knowledge (h2c) in plain text; what gRPC needs) or `h2h1` (HTTP/2 when TLS
     * ALPN chooses it, else HTTP/1.1).
     */
    protocol: z.enum(['h1', 'h2', 'h2h1']).optional(),
    /** HTTPS to the backends (and their HTTP health checks). */
    tls: z
      .strictObject({
        sni: z.string().optional(),
        verify: z.boolean().optional(),
        /** PEM file of the CAs to trust instead of Node's bundled roots. */
        ca_file: z.string().optional(),
      })
      .optional(),
    timeouts: timeouts.optional(),
  })
  .refine(
    (u) => (u.backends === undefined) !== (u.discovery === undefined),
    'an upstream needs exactly one of backends or discovery',
  );

const headerEdits = z.strictObject({
  add: z.record(z.string(), z.string()).optional(),
  set: z.record(z.string(), z.string()).optional(),
  remove: z.array(z.string()).optional(),
});

const cors = z.strictObject({
  allow_origins: z.array(z.string()).min(1),
  allow_methods: z.array(z.string()).optional(),
  allow_headers: z.array(z.string()).optional(),
  expose_headers: z.array(z.string()).optional(),
  allow_credentials: z.boolean().optional(),
  max_age_seconds: z.number().int().min(0).optional(),
});

const rateLimit = z
  .strictObject({
    /** `ip`, `header:<name>` or `claim:<name>` (a claim of the route's verified JWT). */
    key: z
      .string()
      .regex(
        /^(ip|header:[!#$%&'*+.^_`|~0-9A-Za-z-]+|claim:[\w.-]+)$/,
        'expected ip, header:NAME or claim:NAME',
      )
      .optional(),
    algorithm: z.enum(['token-bucket', 'sliding-window']).optional(),
    /** token-bucket: tokens per second. */
    rate_per_second: z.number().positive().optional(),
    /** token-bucket: bucket size. */
    burst: z.number().int().min(1).optional(),
    /** sliding-window: requests per window. */
    limit: z.number().int().min(1).optional(),
    window_seconds: positiveSeconds.optional(),
  })
  .refine(
    (r) =>
      (r.algorithm ?? 'token-bucket') === 'token-bucket'
        ? r.rate_per_second !== undefined
        : r.limit !== undefined,
    'token-bucket needs rate_per_second (and burst); sliding-window needs limit (and window_seconds)',
  );

const jwt = z
  .strictObject({
    algorithms: z
      .array(z.enum(['HS256', 'RS256', 'ES256']))
      .min(1)
      .optional(),
    /** HS256 shared secret. */
    secret: z.string().min(1).optional(),
    /** RS256/ES256 public key (SPKI PEM). */
    public_key: z.string().min(1).optional(),
    /** JSON Web Key Set endpoint: cached, re-fetched when a token names an unknown kid. */
    jwks_url: z.url().optional(),
    /** Shortest time between two JWKS fetches caused by unknown kids. */
    jwks_cooldown_seconds: z.number().min(0).optional(),
    /** How long a fetched JWKS is used before it is fetched again. */
    jwks_max_age_seconds: z.number().positive().optional(),
    issuer: z.string().optional(),
    audience: z.string().optional(),
    /** Claims that must be present. */
    required_claims: z.array(z.string()).optional(),
    /** Claim name -> request header sent upstream. */
    forward_claims: z.record(z.string(), z.string()).optional(),
    /** Seconds of clock skew tolerated on exp/nbf. */
    clock_tolerance_seconds: z.number().min(0).optional(),
  })
  .refine(
    (j) => [j.secret, j.public_key, j.jwks_url].filter((k) => k !== undefined).length === 1,
    'jwt needs exactly one of secret, public_key or jwks_url',
  );

const route = z
  .strictObject({
    name: z.string().min(1).optional(),
    match: z
      .strictObject({
        hosts: z.array(z.string().min(1)).min(1).optional(),
        paths: z
          .array(
            z
              .string()
              .startsWith('/')
              .refine((p) => {
                const i = p.split('/').indexOf('**');
                return i < 0 || i === p.split('/').length - 1;
              }, '** may only be the last segment'),
          )
          .min(1)
          .optional(),
        methods: z
          .array(z.string().regex(/^[A-Z]+$/, 'methods are upper case'))
          .min(1)
          .optional(),
      })
      .optional(),
    /** Higher wins; among equals the more specific pattern, then the earlier route. */
    priority: z.number().int().optional(),
    upstream: z.string().min(1).optional(),
    /** Answer directly without an upstream. */
    respond: z
      .strictObject({
        status: z.number().int().min(100).max(599),
        body: z.string().optional(),
        headers: z.record(z.string(), z.string()).optional(),
      })
      .optional(),
    rewrite: z
      .strictObject({
        strip_prefix: z.string().startsWith('/').optional(),
        add_prefix: z.string().startsWith('/').optional(),
        /** New path with `{param}` from the path pattern, e.g. `/v2/users/{id}`. */
        path: z.string().startsWith('/').optional(),
        host: z.string().optional(),
      })
      .optional(),
    request_headers: headerEdits.optional(),
    response_headers: headerEdits.optional(),
    timeouts: timeouts.optional(),
    retries: z.number().int().min(0).max(10).optional(),
    max_body_bytes: z.number().int().min(0).optional(),
    cache: z
      .strictObject({
        enabled: z.boolean().optional(),
        /** Freshness when the origin says nothing (RFC 9111 section 4.2.2 heuristics off). */
        default_ttl_seconds: z.number().int().min(0).optional(),
      })
      .optional(),
    compression: z.boolean().optional(),
    cors: cors.optional(),
    ip: z
      .strictObject({ allow: z.array(cidr).optional(), deny: z.array(cidr).optional() })
      .optional(),
    rate_limit: rateLimit.optional(),
    jwt: jwt.optional(),
    /**
     * `true`: upgrades are tunnelled byte for byte. `{ max_message_bytes }`: messages are
     * relayed one by one through the proxy's frame-level hook, counted, and larger ones dropped.
     */
    websocket: z
      .union([z.boolean(), z.strictObject({ max_message_bytes: z.number().int().min(1) })])
      .optional(),
    sse: z.strictObject({ keepalive_seconds: positiveSeconds.optional() }).optional(),
  })
  .refine(
    (r) => (r.upstream === undefined) !== (r.respond === undefined),
    'a route needs exactly one of upstream or respond',
  );

/** The schema of a gateway configuration file (see examples/gateway.yaml). */
export const gatewayConfigSchema = z
  .strictObject({
    version: z.literal(1).optional(),
    listeners: z.array(listener).min(1),
    admin: z.strictObject({ address }).optional(),
    logging: z
      .strictObject({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).optional(),
        format: z.enum(['json', 'pretty', 'auto']).optional(),
        access_log: z.boolean().optional(),
      })
      .optional(),
    pid_file: z.string().optional(),
    /**
     * Bind with SO_REUSEPORT (Linux default), which `serve -u` needs to start beside the
     * running gateway; `false` makes a second gateway on the same port fail instead of sharing.
     */
    reuse_port: z.boolean().optional(),
    grace_period_seconds: z.number().min(0).optional(),
    /** Watch the file and reload on change (SIGHUP always reloads). */
    watch: z.boolean().optional(),
    /** The shared HTTP cache of routes with `cache.enabled` (RFC 9111, in memory). */
    cache: z
      .strictObject({
        max_bytes: z.number().int().min(1).optional(),
        max_object_bytes: z.number().int().min(1).optional(),
        eviction: z.enum(['tinyufo', 'lru']).optional(),
      })
      .optional(),
    /** Where a daemon (`-d`) writes its output. */
    error_log: z.string().optional(),
    upstreams: z.record(z.string(), upstream).optional(),
    routes: z.array(route).min(1),
  })
  .superRefine((config, ctx) => {
    const names = new Set(Object.keys(config.upstreams ?? {}));
    config.routes.forEach((r, i) => {
      if (r.upstream !== undefined && !names.has(r.upstream)) {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'upstream'],
          message: `unknown upstream "${r.upstream}"${names.size > 0 ? ` (known: ${[...names].join(', ')})` : ''}`,
        });
      }
      const key = r.rate_limit?.key;
      if (key?.startsWith('claim:') && r.jwt === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'rate_limit', 'key'],
          message: 'a claim key needs jwt on the same route',
        });
      }
    });
  });

/** A gateway configuration as the schema gives it (snake_case, defaults not filled in). */
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
/** One route of {@link GatewayConfig}. */
export type RouteConfig = GatewayConfig['routes'][number];
/** One upstream group of {@link GatewayConfig}. */
export type UpstreamConfig = NonNullable<GatewayConfig['upstreams']>[string];
/** One listener of {@link GatewayConfig}. */
export type ListenerConfigEntry = GatewayConfig['listeners'][number];
/** Timeouts of a route or an upstream. */
export type TimeoutsConfig = z.infer<typeof timeouts>;
/** Header edits of a route. */
export type HeaderEditsConfig = z.infer<typeof headerEdits>;
