import type { Gateway } from './gateway.js';

/** What the startup banner tells. */
export interface BannerFacts {
  readonly gateway: Gateway;
  readonly configName: string;
  readonly version: string;
  /** The demo token, when the embedded demo runs. */
  readonly demoToken?: string | undefined;
  /** The development CA to trust, when a listener uses the dev certificate. */
  readonly caFile?: string | undefined;
}

/** The startup banner: URLs to try, the demo token, and how to use an own config. */
export function banner(facts: BannerFacts): string {
  const g = facts.gateway;
  const lines = [
    `Pingora-TS gateway ${facts.version} (Node ${process.version}), config: ${facts.configName}`,
  ];
  for (const l of g.listeners) lines.push(`  ${l.isTls ? 'HTTPS' : 'HTTP '}  ${l.url}/`);
  if (g.admin !== undefined) {
    lines.push(
      `  admin  ${g.admin}/metrics  ${g.admin}/status  ${g.admin}/healthz  ${g.admin}/readyz`,
    );
  }
  const http = g.listeners.find((l) => !l.isTls)?.url ?? g.listeners[0]?.url ?? '';
  const https = g.listeners.find((l) => l.isTls);
  if (facts.demoToken !== undefined) {
    const ws = http.replace(/^http/, 'ws');
    lines.push(
      '',
      'Try the demo:',
      `  curl ${http}/                       # two upstreams behind round robin`,
      `  curl -i ${http}/static/app.css      # a cached route (see Cache-Status)`,
      `  curl -N ${http}/events              # Server-Sent Events clock`,
      `  npx wscat -c ${ws}/ws               # WebSocket echo`,
      `  curl -H "Authorization: Bearer $TOKEN" ${http}/api/hello   # JWT + rate limit (10 burst, 5/s)`,
      `  TOKEN=${facts.demoToken}`,
    );
  }
  if (https !== undefined && facts.caFile !== undefined) {
    lines.push(`  curl --cacert ${facts.caFile} ${https.url}/`);
  }
  lines.push(
    '',
    'Your own config: pingora-ts test -c gateway.yaml && pingora-ts serve -c gateway.yaml',
    '  (a commented example: apps/gateway/examples/gateway.yaml; reload: kill -HUP ' +
      process.pid +
      ' or edit the file)',
    'Ctrl-C stops gracefully.',
  );
  return `${lines.join('\n')}\n`;
}
