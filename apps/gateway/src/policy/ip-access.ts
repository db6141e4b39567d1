import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Client IP allow and deny lists (addresses or CIDR blocks, IPv4 and IPv6). Deny wins; with
 * an allow list, only what it lists gets in. IPv4-mapped IPv6 clients (`::ffff:10.0.0.1`, what a
 * dual-stack listener reports) are checked as the IPv4 address they are.
 */
export class IpAccess {
  private readonly allow: BlockList | undefined;
  private readonly deny: BlockList | undefined;

  constructor(options: { allow?: readonly string[]; deny?: readonly string[] }) {
    this.allow = options.allow === undefined ? undefined : toBlockList(options.allow);
    this.deny = options.deny === undefined ? undefined : toBlockList(options.deny);
  }

  /** True when `address` may pass (an unknown address passes only without an allow list). */
  isAllowed(address: string | undefined): boolean {
    if (address === undefined) return this.allow === undefined;
    const ip =
      address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
    const family = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : undefined;
    if (family === undefined) return this.allow === undefined;
    if (this.deny?.check(ip, family)) return false;
    return this.allow === undefined || this.allow.check(ip, family);
  }
}

function toBlockList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [ip = '', bits] = entry.split('/');
    const family = isIPv4(ip) ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(ip, family);
    else list.addSubnet(ip, Number(bits), family);
  }
  return list;
}
