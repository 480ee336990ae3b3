// Command-line values: sizes, durations and output paths.

import { describe, expect, it } from 'vitest';
import { checkOutputPath, durationText, parseAddress, parseDuration, parseSize, takeAddressOption } from '../../src/cli/args.ts';

describe('command-line values', () => {
  it('reads durations in ms, s, m and h, a bare number as seconds', () => {
    expect(parseDuration('500ms', '--timeout')).toBe(500);
    expect(parseDuration('30s', '--timeout')).toBe(30_000);
    expect(parseDuration('1.5m', '--timeout')).toBe(90_000);
    expect(parseDuration('2h', '--timeout')).toBe(7_200_000);
    expect(parseDuration('45', '--timeout')).toBe(45_000);
    for (const bad of ['', '0', '0.5ms', '-1s', '1x', 's', '1e3']) expect(() => parseDuration(bad, '--timeout')).toThrow(/--timeout takes a duration/);
    expect([500, 30_000, 90_000, 7_200_000].map(durationText)).toEqual(['500ms', '30s', '90s', '2h']);
    expect(parseDuration('596h', '--timeout')).toBe(596 * 3_600_000);
    expect(() => parseDuration('600h', '--timeout')).toThrow(/at most 2147483647ms \(about 596h\)/);
  });

  it('reads sizes, and the size its own message suggests is one it accepts', () => {
    expect(parseSize('64MiB', '--memory')).toBe(64 << 20);
    expect(parseSize('2048KiB', '--memory')).toBe(2 << 20);
    const message = (() => {
      try {
        parseSize('lots', '--memory');
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    for (const suggested of message.match(/\d+[KMG]iB/g) ?? []) expect(parseSize(suggested, '--memory') / 4096).toBeGreaterThanOrEqual(260);
  });

  it('refuses output paths that cannot be written, before anything runs', () => {
    expect(() => checkOutputPath('/nonexistent/x.json', '--snapshot')).toThrow('--snapshot cannot write /nonexistent/x.json: the folder /nonexistent does not exist');
    expect(() => checkOutputPath('package.json/x.json', '--trace')).toThrow(/is not a folder/);
    expect(() => checkOutputPath('test', '--trace')).toThrow('--trace cannot write test: it is a folder');
    expect(() => checkOutputPath('test/new-file.json', '--trace')).not.toThrow();
  });

  it('reads the addresses to listen on', () => {
    expect(parseAddress('8080', '--inspect')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseAddress(':8080', '--inspect')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseAddress('localhost:0', '--inspect')).toEqual({ host: 'localhost', port: 0 });
    expect(parseAddress('0.0.0.0', '--inspect')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(parseAddress('[::1]:9000', '--inspect')).toEqual({ host: '::1', port: 9000 });
    for (const bad of ['65536', 'host:port', 'a b:1', '::1', 'http://x:1', '[::1']) expect(() => parseAddress(bad, '--inspect')).toThrow(/--inspect takes HOST:PORT, PORT or HOST/);
  });

  it('takes an option whose address is optional, leaving what is not one', () => {
    expect(takeAddressOption(['init.ts', '--threads', '1'], '--inspect')).toEqual({ rest: ['init.ts', '--threads', '1'], address: null });
    expect(takeAddressOption(['--inspect', 'init.ts'], '--inspect')).toEqual({ rest: ['init.ts'], address: { host: '127.0.0.1', port: 0 } });
    expect(takeAddressOption(['init.ts', '--inspect', '9000', '--', 'x'], '--inspect')).toEqual({ rest: ['init.ts', '--', 'x'], address: { host: '127.0.0.1', port: 9000 } });
    expect(takeAddressOption(['--inspect', '0.0.0.0:80', 'init.ts'], '--inspect').address).toEqual({ host: '0.0.0.0', port: 80 });
    expect(takeAddressOption(['--inspect=example.org', 'init.ts'], '--inspect').address).toEqual({ host: 'example.org', port: 0 });
    // After --, it is init's: argv is not read for options.
    expect(takeAddressOption(['init.ts', '--', '--inspect'], '--inspect')).toEqual({ rest: ['init.ts', '--', '--inspect'], address: null });
    expect(() => takeAddressOption(['--inspect', '--inspect=1'], '--inspect')).toThrow('--inspect is given twice');
  });
});
