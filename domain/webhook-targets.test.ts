import { describe, expect, it } from 'vitest';
import {
  checkResolvedAddresses,
  checkTargetUrl,
  isForbiddenAddress,
  parseAllowedHosts,
} from './webhook-targets.js';

describe('webhook targets (SSRF guard)', () => {
  it('forbids private, loopback, link-local and reserved addresses', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:10.0.0.1',
      'not-an-ip',
    ]) {
      expect(isForbiddenAddress(address), address).toBe(true);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) {
      expect(isForbiddenAddress(address), address).toBe(false);
    }
  });

  it('takes http and https only, without credentials', () => {
    expect('url' in checkTargetUrl('https://hooks.example.com/x')).toBe(true);
    expect(checkTargetUrl('ftp://example.com')).toMatchObject({ problem: { code: 'bad_scheme' } });
    expect(checkTargetUrl('file:///etc/passwd')).toMatchObject({ problem: { code: 'bad_scheme' } });
    expect(checkTargetUrl('https://user:pw@example.com')).toMatchObject({ problem: { code: 'bad_url' } });
    expect(checkTargetUrl('nonsense')).toMatchObject({ problem: { code: 'bad_url' } });
  });

  it('refuses a host when any address is forbidden, unless the allow-list names it', () => {
    const none = parseAllowedHosts('');
    expect(checkResolvedAddresses('evil.example', ['93.184.216.34', '10.0.0.1'], none)).toMatchObject({
      code: 'forbidden_address',
    });
    expect(checkResolvedAddresses('ok.example', ['93.184.216.34'], none)).toBeNull();
    const allowed = parseAllowedHosts(' Partner.Internal , 127.0.0.1');
    expect(checkResolvedAddresses('partner.internal', ['10.0.0.1'], allowed)).toBeNull();
    expect(checkResolvedAddresses('127.0.0.1', ['127.0.0.1'], allowed)).toBeNull();
    expect(checkResolvedAddresses('other.internal', ['10.0.0.1'], allowed)).not.toBeNull();
  });
});
