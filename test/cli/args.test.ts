// Command-line values: sizes, durations and output paths.

import { describe, expect, it } from 'vitest';
import { checkOutputPath, durationText, parseDuration, parseSize } from '../../src/cli/args.ts';

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
});
