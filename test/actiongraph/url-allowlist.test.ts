import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import * as fc from 'fast-check';
import { ByteorError } from '../../kernel/index.ts';
import { httpPostFamily } from '../../plugins/actiongraph/http-post.ts';
import { readActionSettings } from '../../plugins/actiongraph/settings.ts';
import { normalizeHttpUrl, urlAllowed } from '../../plugins/actiongraph/url-allowlist.ts';
import { runCli } from './cli-run.ts';
import { startHttpTarget, type HttpTarget } from './http-target.ts';
import { SabRecordBatch, stageContext } from './record-batch.ts';
import { e2eWorkspace } from './run-e2e-workspace.ts';

// issue 15 item 3: an allowlist of http://127.0.0.1:PORT/ok admitted …/ok/../admin and
// …/ok/%2e%2e/admin (raw string prefix), and the request went to the normalised /admin.

const { dir, input, writeSpec } = e2eWorkspace('byteor-ag-allow-');
let target: HttpTarget;
test.before(async () => {
  target = await startHttpTarget([200]);
});
test.before.each(() => {
  target.requests.length = 0;
});
test.after(async () => {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});

function create(url: string, allow: string) {
  const ctx = stageContext(`http_post:${url}`, { prefix: 'http_post:', env: { BYTEOR_HTTP_POST_ALLOWLIST: allow } });
  return httpPostFamily.create(ctx) as Awaited<ReturnType<typeof httpPostFamily.create>>;
}

const HOSTILE = [
  '/ok/../admin',
  '/ok/%2e%2e/admin',
  '/ok/%2E%2e/admin',
  '/ok/.%2e/admin',
  '/ok/x/../../admin',
  '/ok\\..\\admin',
  '/ok/%2f..%2fadmin',
  '/ok/a%2F..%2F..%2Fadmin',
  '/ok/%5c..%5cadmin',
  '/ok/%252e%252e/admin',
  '/okay',
  '/ok..',
  '/o%6b/../admin',
];

test(
  'the two reproducers: a real stage refuses …/ok/../admin ' + 'and …/ok/%2e%2e/admin (exit 4) and sends nothing',
  async () => {
    for (const path of ['/ok/../admin', '/ok/%2e%2e/admin']) {
      let err: unknown;
      try {
        create(`${target.url}${path}`, `${target.url}/ok`);
      } catch (e) {
        err = e;
      }
      assert.instance(err, ByteorError, path);
      assert.is((err as ByteorError).code, 'BYTEOR_E_ACTION_NOT_ALLOWLISTED', path);
      assert.is((err as ByteorError).exitCode, 4);
    }
    assert.is(target.requests.length, 0);
    // what is admitted goes to exactly the normalised path that was checked
    const h = create(`${target.url}/ok/./sub/%61`, `${target.url}/ok`);
    await h.onBatch(new SabRecordBatch(['r']));
    await h.close?.();
    assert.equal(
      target.requests.map((r) => r.url),
      ['/ok/sub/%61'],
    );
  },
);

test(
  'the reproducers through `run`: the policy gate ' + 'refuses before start (exit 4), the server sees nothing',
  async () => {
    let refused = 0;
    for (const path of HOSTILE) {
      const spec = writeSpec(`h${refused}`, [`http_post:${target.url}${path}`]);
      const r = await runCli(['run', '--sp', `--spec=${spec}`, `--input=${input}`, '--env=dev'], {
        preload: ['actiongraph'],
        env: { BYTEOR_HTTP_POST_ALLOWLIST: `${target.url}/ok` },
      });
      assert.is(r.code, 4, `${path}: ${r.err}`);
      assert.match(r.err, 'BYTEOR_E_ACTION_NOT_ALLOWLISTED');
      refused++;
    }
    assert.is(refused, HOSTILE.length);
    assert.is(target.requests.length, 0);
  },
);

test(
  'normalisation: userinfo, encoded slashes and dot ' + 'segments are refused; equivalent spellings compare equal',
  () => {
    assert.ok('error' in normalizeHttpUrl('http://u:p@h/ok'));
    assert.ok('error' in normalizeHttpUrl('http://u@h/ok'));
    assert.ok('error' in normalizeHttpUrl('http://h/ok/a%2fb'));
    assert.ok('error' in normalizeHttpUrl('http://h/ok/a%5Cb'));
    assert.ok('error' in normalizeHttpUrl('ftp://h/ok'));
    const allow = ['http://127.0.0.1:18080/ok'];
    for (const ok of [
      'http://127.0.0.1:18080/ok',
      'http://127.0.0.1:18080/ok/',
      'http://127.0.0.1:18080/ok/x?y',
      'HTTP://127.0.0.1:18080/%6Fk/x',
      'http://0x7f.0.0.1:18080/ok/a',
      'http://127.0.0.1:18080/ok/./b',
      'http://127.0.0.1:18080/x/../ok/c',
    ])
      assert.ok(urlAllowed(ok, allow), ok);
    for (const path of HOSTILE) assert.not.ok(urlAllowed(`http://127.0.0.1:18080${path}`, allow), path);
    for (const bad of [
      'http://127.0.0.1:18081/ok',
      'https://127.0.0.1:18080/ok',
      'http://127.0.0.2:18080/ok',
      'http://u:p@127.0.0.1:18080/ok',
      'http://127.0.0.1:18080@evil.example/ok',
    ])
      assert.not.ok(urlAllowed(bad, allow), bad);
    assert.ok(urlAllowed('https://h/', ['https://h']));
    assert.ok(urlAllowed('https://h:443/a', ['https://h/']));
    assert.ok(urlAllowed('http://h/a?k=1', ['http://h/a?k=1']));
    assert.not.ok(urlAllowed('http://h/a?k=2', ['http://h/a?k=1']));
  },
);

test(
  'an allowlist entry that is not an http(s) URL, or carries userinfo, is refused at start ' +
    '(BYTEOR_E_ACTION_CONFIG, exit 2)',
  () => {
    for (const bad of ['not a url', 'ftp://h/x', 'http://u:p@h/x', 'http://h/a%2fb']) {
      try {
        readActionSettings({ BYTEOR_HTTP_POST_ALLOWLIST: `http://fine/, ${bad}` });
        assert.unreachable(bad);
      } catch (e) {
        assert.instance(e, ByteorError);
        assert.is((e as ByteorError).code, 'BYTEOR_E_ACTION_CONFIG');
        assert.is((e as ByteorError).exitCode, 2);
        assert.match((e as ByteorError).message, 'BYTEOR_HTTP_POST_ALLOWLIST');
      }
    }
  },
);

// A model of the most lenient server: it percent-decodes the whole path (%2f too), treats `\`
// as `/`, then resolves dot segments. Whatever the allowlist admits must stay under the
// entry's path for that server.
function serverView(pathname: string): string[] {
  const decoded = Buffer.from(
    pathname.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  ).toString('latin1');
  const out: string[] = [];
  for (const s of decoded.replace(/\\/g, '/').split('/').slice(1)) {
    if (s === '..') out.pop();
    else if (s !== '.') out.push(s);
  }
  return out;
}

const piece = fc.constantFrom(
  '..',
  '.',
  '%2e%2e',
  '%2E.',
  '.%2e',
  '%2e',
  '%2f',
  '%2F',
  '%5c',
  '\\',
  '/',
  '//',
  'admin',
  'ok',
  'x',
  '%61',
  '%252e',
  ';',
  '%00',
  '%25',
  'é',
  '?q',
  '#f',
  '',
);
const hostilePath = fc.array(piece, { maxLength: 8 }).map((a) => a.join(''));
const entryPath = fc
  .array(fc.constantFrom('ok', 'api', 'v1', 'a b', '%41'), { minLength: 1, maxLength: 3 })
  .chain((segs) => fc.boolean().map((dirEntry) => `/${segs.join('/')}${dirEntry ? '/' : ''}`));

const tried = { cases: 0, admitted: 0, refused: 0, escaped: 0 };

test(
  'property (seeded): no admitted target reaches outside the entry for a decoding server, and the request path is ' +
    'the checked one',
  () => {
    fc.assert(
      fc.property(entryPath, hostilePath, (ePath, tail) => {
        tried.cases++;
        const entry = `http://127.0.0.1:18080${ePath}`;
        const raw = `http://127.0.0.1:18080${ePath}${tail}`;
        if (!urlAllowed(raw, [entry])) {
          tried.refused++;
          return;
        }
        tried.admitted++;
        const sent = new URL(raw); // what http_post sends: the parsed URL's pathname
        const want = serverView(new URL(entry).pathname).filter((s, i, a) => !(i === a.length - 1 && s === ''));
        const got = serverView(sent.pathname);
        const inside = want.every((s, i) => got[i] === s);
        if (!inside) tried.escaped++;
        assert.ok(inside, `${raw} admitted by ${entry} but a server sees /${got.join('/')}`);
      }),
      { seed: 0x15a11, numRuns: 3000 },
    );
    assert.is(tried.escaped, 0);
    assert.ok(tried.admitted > 100 && tried.refused > 100, JSON.stringify(tried));
    console.log(`url allowlist property: ${JSON.stringify(tried)}`);
  },
);

test('property (seeded): a plain target under an entry is always admitted (no false refusals)', () => {
  const seg = fc.stringMatching(/^[A-Za-z0-9_~-]{1,8}$/).filter((s) => s !== '.' && s !== '..');
  fc.assert(
    fc.property(entryPath, fc.array(seg, { maxLength: 4 }), (ePath, more) => {
      const base = ePath.endsWith('/') ? ePath : `${ePath}/`;
      const raw = `http://127.0.0.1:18080${more.length || ePath.endsWith('/') ? base + more.join('/') : ePath}`;
      assert.ok(urlAllowed(raw, [`http://127.0.0.1:18080${ePath}`]), `${raw} under ${ePath}`);
    }),
    { seed: 0x15a12, numRuns: 1000 },
  );
});

test.run();
