/**
 * Which addresses an image download may connect to. Only global unicast addresses pass; loopback,
 * private, link-local (cloud metadata at 169.254.169.254), CGNAT, multicast, reserved and the IPv6
 * forms that embed such IPv4 addresses are refused, unless an operator allow-lists a host, a
 * host:port or a CIDR (an internal CDN, a test server).
 */
import ipaddr from 'ipaddr.js';

export interface AllowRule {
  readonly host?: string;
  readonly port?: number;
  readonly cidr?: [ipaddr.IPv4 | ipaddr.IPv6, number];
}

export function parseAllowRules(entries: readonly string[]): AllowRule[] {
  return entries.map((entry) => {
    if (entry.includes('/')) return { cidr: ipaddr.parseCIDR(entry) };
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!m) throw new Error(`bad allow-list entry ${entry}`);
    const host = m[1]!.replace(/^\[|\]$/g, '').toLowerCase();
    return m[2] ? { host, port: Number(m[2]) } : { host };
  });
}

/** Normalises IPv4-mapped IPv6 (::ffff:10.0.0.1) to IPv4 so the IPv4 rules apply. */
function normalise(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed;
}

export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return normalise(address).range() === 'unicast';
}

export function isAllowListed(
  rules: readonly AllowRule[],
  host: string,
  port: number,
  address?: string,
): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return rules.some((r) => {
    if (r.host !== undefined) return r.host === h && (r.port === undefined || r.port === port);
    if (r.cidr && address && ipaddr.isValid(address)) {
      const a = normalise(address);
      return a.kind() === r.cidr[0].kind() && a.match(r.cidr);
    }
    return false;
  });
}

export function mayConnect(
  rules: readonly AllowRule[],
  host: string,
  port: number,
  address: string,
): boolean {
  return isAllowListed(rules, host, port, address) || isPublicAddress(address);
}
