import { describe, expect, it } from 'vitest';
import { isPublicAddress, mayConnect, parseAllowRules } from '../../../src/fetch/address-policy.js';

describe('address policy', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    '198.18.0.1',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'accepts public %s',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );

  it('refuses what is not an address', () => {
    expect(isPublicAddress('localhost')).toBe(false);
  });

  it('lets an operator allow a host, a host:port or a CIDR', () => {
    const rules = parseAllowRules(['cdn.internal', '127.0.0.1:8080', '10.1.0.0/16']);
    expect(mayConnect(rules, 'cdn.internal', 443, '10.9.9.9')).toBe(true);
    expect(mayConnect(rules, '127.0.0.1', 8080, '127.0.0.1')).toBe(true);
    expect(mayConnect(rules, '127.0.0.1', 8081, '127.0.0.1')).toBe(false);
    expect(mayConnect(rules, 'x.example', 80, '10.1.2.3')).toBe(true);
    expect(mayConnect(rules, 'x.example', 80, '10.2.0.1')).toBe(false);
  });
});
