import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { z } from 'zod';
import { bool, int, parseSettings } from '../../plugins/edgeplane/settings.ts';
import { EDGEPLANE_ADAPTERS } from '../../plugins/edgeplane/index.ts';
import { isByteorError } from '../../kernel/errors.ts';

function refusal(fn: () => unknown): { code: string; message: string; exitCode: number } {
  try {
    fn();
  } catch (e) {
    assert.ok(isByteorError(e), `expected a ByteorError, got ${String(e)}`);
    return e as unknown as { code: string; message: string; exitCode: number };
  }
  throw new Error('expected the settings to be refused');
}

const factory = (kind: string) => EDGEPLANE_ADAPTERS.find((a) => a.kind === kind)!;

test('a missing required setting names the key and the kind', () => {
  const e = refusal(() => factory('nats').ingress!({ url: 'nats://127.0.0.1:4222' }, {}));
  assert.is(e.code, 'BYTEOR_E_EDGEPLANE_CONFIG');
  assert.is(e.exitCode, 2);
  assert.match(e.message, /^ingress\.subject: required for adapter kind "nats"/);
});

test('an unknown setting is refused with the known ones listed', () => {
  const e = refusal(() =>
    factory('redis_streams').egress!({ url: 'redis://127.0.0.1:6379', stream: 's', feild: 'x' }, {}),
  );
  assert.match(e.message, /^egress\.feild: unknown setting for adapter kind "redis_streams"; known settings: .*field/);
});

test('a bad value names the key and echoes the value', () => {
  const e = refusal(() => factory('http').ingress!({ port: '70000' }, {}));
  assert.match(e.message, /^ingress\.port: must be at most 65535 \(got "70000"\)/);
  const u = refusal(() => factory('http').egress!({ url: 'ftp://x/y' }, {}));
  assert.match(u.message, /^egress\.url: must be a URL with scheme http or https/);
  const w = refusal(() => factory('websocket').ingress!({ mode: 'server' }, {}));
  assert.match(w.message, /^ingress\.port: /);
  const g = refusal(() => factory('grpc').egress!({ address: 'http://127.0.0.1:50051' }, {}));
  assert.match(g.message, /^egress\.address: must be host:port \(got "http:\/\/127\.0\.0\.1:50051"\)/);
  const m = refusal(() => factory('grpc').egress!({ address: '127.0.0.1:50051', method: 'pkg/Push' }, {}));
  assert.match(m.message, /^egress\.method: must be a method name/);
});

test('every adapter validates without connecting (constructing a binding opens nothing)', () => {
  const good: Record<string, [Record<string, string>, Record<string, string>]> = {
    file: [{ path: '/nonexistent/in.txt' }, { path: '/nonexistent/out.txt' }],
    stdio: [{}, {}],
    http: [{ port: '1' }, { url: 'http://127.0.0.1:1/x' }],
    websocket: [{ url: 'ws://127.0.0.1:1/' }, { url: 'ws://127.0.0.1:1/' }],
    nats: [
      { url: 'nats://127.0.0.1:1', subject: 'a' },
      { url: 'nats://127.0.0.1:1', subject: 'a' },
    ],
    nats_jetstream: [
      { url: 'nats://127.0.0.1:1', stream: 'S', durable: 'd' },
      { url: 'nats://127.0.0.1:1', subject: 'a' },
    ],
    redis_streams: [
      { url: 'redis://127.0.0.1:1', stream: 's', group: 'g' },
      { url: 'redis://127.0.0.1:1', stream: 's' },
    ],
    postgres: [
      { url: 'postgres://u@127.0.0.1:1/d', table: 't' },
      { url: 'postgres://u@127.0.0.1:1/d', table: 't' },
    ],
    grpc: [{ port: '1' }, { address: '127.0.0.1:1' }],
    rabbitmq_streams: [
      { url: 'amqp://127.0.0.1:1', queue: 'q' },
      { url: 'amqp://127.0.0.1:1', queue: 'q' },
    ],
    s3: [
      { bucket: 'b', endpoint: 'http://127.0.0.1:1' },
      { bucket: 'b', endpoint: 'http://127.0.0.1:1', spool_dir: '/nonexistent/spool' },
    ],
  };
  for (const a of EDGEPLANE_ADAPTERS) {
    const [i, o] = good[a.kind]!;
    assert.is(a.ingress!(i, {}).health().connection_state, 'connecting', a.kind);
    assert.is(a.egress!(o, {}).health().connection_state, 'connecting', a.kind);
  }
});

test('int and bool parse exactly the documented spellings (property)', () => {
  const n = int(3, 900);
  fc.assert(
    fc.property(fc.string(), (s) => {
      const r = n.safeParse(s);
      const expected = /^\d+$/.test(s) && Number(s) >= 3 && Number(s) <= 900;
      return r.success === expected && (!r.success || r.data === Number(s));
    }),
    { seed: 8, numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.integer({ min: 3, max: 900 }), (v) => n.parse(String(v)) === v),
    { seed: 9 },
  );
  const b = bool();
  fc.assert(
    fc.property(fc.string(), (s) => {
      const r = b.safeParse(s);
      const t = ['true', '1', 'yes', 'on'].includes(s);
      const f = ['false', '0', 'no', 'off'].includes(s);
      return r.success === (t || f) && (!r.success || r.data === t);
    }),
    { seed: 10, numRuns: 500 },
  );
});

test('parseSettings reports the first issue under the direction prefix', () => {
  const schema = z.object({ a: int(1, 2), b: bool().default(false) });
  assert.equal(parseSettings(schema, { a: '2' }, 'egress', 'k'), { a: 2, b: false });
  const e = refusal(() => parseSettings(schema, { a: '1', b: 'maybe' }, 'egress', 'k'));
  assert.match(e.message, /^egress\.b: must be true or false \(got "maybe"\)/);
});

test.run();
