import dns from 'node:dns';
import net from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import type { Http, Outbound } from '../../app/ports';

/**
 * Addresses a URL typed by a customer of ours must never reach from the server: loopback, private and
 * link-local ranges (the cloud metadata service at 169.254.169.254 among them), carrier-grade NAT,
 * multicast and reserved space, in IPv4 and IPv6.
 */
const BLOCKED = new net.BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(address, prefix, 'ipv4');
for (const [address, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const)
  BLOCKED.addSubnet(address, prefix, 'ipv6');

/** True for an address no outbound call may reach (an IPv4-mapped IPv6 address is judged as IPv4). */
export const isPrivateAddress = (address: string): boolean => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return BLOCKED.check(mapped, 'ipv4');
  const family = net.isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
};

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/**
 * The name lookup every outbound connection makes: it resolves the host and refuses the connection when
 * any address is private. The check and the connection use the same answer, so DNS rebinding between a
 * check and the call cannot swap the target; a redirect to a private target fails the same way.
 */
const publicLookup = (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad || addresses.length === 0) {
      const refused: NodeJS.ErrnoException = new Error(
        `${hostname} resolves to ${bad?.address ?? 'nothing'}, a private or reserved address: outbound calls go to public hosts only`,
      );
      refused.code = 'EPRIVATE';
      return callback(refused, []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0] as dns.LookupAddress;
    return callback(null, first.address, first.family);
  });
};

/**
 * Outbound calls to URLs people typed (webhooks, accounting APIs). With `allowPrivate` (a self-hosted
 * instance calling its own network, or tests against loopback fakes) any http(s) target is allowed;
 * otherwise only https to public addresses, checked when the URL is saved and again at every connection.
 */
export const outbound = (opts: { allowPrivate: boolean }): Outbound => {
  if (opts.allowPrivate)
    return {
      fetch: globalThis.fetch,
      targetProblem: async (url) => (/^https?:\/\//i.test(url) ? null : 'must be an http or https URL'),
    };
  const agent = new Agent({ connect: { lookup: publicLookup } });
  const guarded = ((input: Parameters<Http>[0], init?: Parameters<Http>[1]) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher: agent,
    })) as unknown as Http;
  return {
    fetch: guarded,
    async targetProblem(url) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return 'not a URL';
      }
      if (parsed.protocol !== 'https:') return 'must be an https URL';
      const host = parsed.hostname.replace(/^\[|\]$/g, '');
      if (host === 'localhost' || host.endsWith('.localhost')) return 'must be a public host, not localhost';
      if (net.isIP(host)) return isPrivateAddress(host) ? `${host} is a private or reserved address` : null;
      try {
        const addresses = await dns.promises.lookup(host, { all: true });
        const bad = addresses.find((a) => isPrivateAddress(a.address));
        return bad ? `${host} resolves to ${bad.address}, a private or reserved address` : null;
      } catch {
        // A name that does not resolve now may later; every connection is checked again.
        return null;
      }
    },
  };
};
