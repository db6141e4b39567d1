// Starts a Gateway from YAML text with its log lines captured, on ephemeral loopback ports.
import { Gateway, type GatewayOptions, parseConfig } from '../../src/index.js';

/** A gateway for one test file, with the JSON log lines it wrote. */
export interface GatewayUnderTest {
  readonly gateway: Gateway;
  /** `http://127.0.0.1:port` of the first listener. */
  readonly url: string;
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Parses `yaml` (named `test.yaml` in errors) and starts it. */
export async function startGateway(
  yaml: string,
  options: Partial<GatewayOptions> = {},
  vars: Record<string, string> = {},
): Promise<GatewayUnderTest> {
  const logs: Record<string, unknown>[] = [];
  const config = parseConfig(yaml, 'test.yaml', vars);
  const gateway = await Gateway.start({
    config,
    reusePort: false,
    logDestination: {
      write(line: string) {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
    ...options,
  });
  return {
    gateway,
    url: gateway.listeners[0]?.url as string,
    logs,
    close: () => gateway.close(1000),
  };
}
