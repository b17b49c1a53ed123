import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fc from 'fast-check';
import {
  REDACTED_VALUE,
  isSecretName,
  redactArgv,
  redactConfigText,
  redactHeaders,
  redactJson,
  redactValue,
  redactedEnv,
} from '../../kernel/redact.ts';

// The one redactor (issue 15 item 4). Properties with fixed seeds: no planted secret survives in
// any carrier (env, config line, argv, header, URL userinfo, inline pair, JSON), and values that
// hold no secret come out byte for byte.

// never a substring of a plain value below
const secret = fc.stringMatching(/^[A-Za-z0-9]{6,16}$/).map((x) => `Zq9` + `${x}`);
const part = fc.constantFrom(
  'MY',
  'DB',
  'APP',
  'GITHUB',
  'AWS',
  'PG',
  'NPM',
  'X',
  'service',
  'prod',
  'api',
  'Upstream',
);
const secretWord = fc.constantFrom(
  'PASSWORD',
  'PASSWD',
  'PWD',
  'PASS',
  'SECRET',
  'TOKEN',
  'PAT',
  'KEY',
  'AUTH',
  'COOKIE',
  'CREDENTIAL',
  'CREDS',
  'SESSION',
  'apiKey',
  'ApiToken',
  'password',
  'dsn',
  'PGPASS',
  'private_key',
  'ACCESS_KEY',
);
const sep = fc.constantFrom('_', '-', '.', '');
const cap = (t: string) => t.charAt(0).toUpperCase() + t.slice(1).toLowerCase();
// '' joins camelCase: firstPartSecondPart
const secretName = fc
  .tuple(fc.array(part, { maxLength: 2 }), secretWord, fc.array(part, { maxLength: 1 }), sep)
  .map(([pre, w, post, s]) => {
    const parts = [...pre, w, ...post];
    return s === ''
      ? parts.map((t, i) => (i === 0 ? t.toLowerCase() : cap(t.replace(/_/g, '')))).join('')
      : parts.join(s);
  })
  .filter((n) => n !== 'PWD'); // the shell's working directory, the one documented exception
const scheme = fc.constantFrom(
  'postgres',
  'postgresql',
  'redis',
  'rediss',
  'amqp',
  'mongodb+srv',
  'http',
  'https',
  'nats',
  'mysql',
);
const host = fc.constantFrom('db.internal', '10.0.0.5:5432', 'cache', '[::1]:6379', 'example.com');
const user = fc.constantFrom('', 'u', 'app', 'admin.ro');

const tally = { planted: 0, leaked: 0, plainTried: 0, plainChanged: 0 };

test('property (seeded): no planted secret survives, whatever carries it', () => {
  fc.assert(
    fc.property(secretName, secret, scheme, host, user, fc.string({ maxLength: 12 }), (name, sec, sch, h, u, noise) => {
      const url = `${sch}://${u}:${sec}@${h}/db`;
      const carriers: string[] = [
        JSON.stringify(redactedEnv({ [name]: sec, OTHER: 'x' })),
        JSON.stringify(redactedEnv({ DATABASE_URL: url })),
        redactConfigText(`# cfg\n${name}=${sec}\n  ${name} : ${sec}\ningress.url=${url}\n`),
        redactArgv([`--${name}=${sec}`, `--url=${url}`, url]).join(' '),
        JSON.stringify(redactHeaders({ [name]: sec, Authorization: `Bearer ${sec}`, 'x-plain': 'ok' })),
        redactValue(`${noise} connect ${url} failed ${noise}`),
        redactValue(`host=db password=${sec} user=app`),
        redactValue(`https://h/cb?token=${sec}&x=1`),
        JSON.stringify(redactJson({ a: [url, { [name]: sec }] }, true)),
      ];
      for (const c of carriers) {
        tally.planted++;
        if (c.includes(sec)) {
          tally.leaked++;
          assert.unreachable(`${sec} survived in ${c}`);
        }
      }
      assert.ok(isSecretName(name), name);
    }),
    { seed: 0x5ec2e7, numRuns: 800 },
  );
  assert.is(tally.leaked, 0);
});

const plainName = fc
  .tuple(
    fc.array(
      fc.constantFrom(
        'HOME',
        'LANG',
        'SERVICE',
        'URL',
        'HOST',
        'PORT',
        'PATH',
        'MODE',
        'LEVEL',
        'REGION',
        'USER',
        'LOG',
        'NODE',
        'OPTIONS',
        'TZ',
        'SHELL',
        'TERM',
        'BYTEOR',
        'ENV',
        'SPEC',
        'DIR',
      ),
      { minLength: 1, maxLength: 3 },
    ),
    fc.constantFrom('_', '-', '.'),
  )
  .map(([ps, s]) => ps.join(s));
// values with no `@`, no `=` and no `Bearer `: nothing in them can be a credential
const plainValue = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9 ./:_,%+-]{0,40}$/),
  fc.tuple(scheme, host, fc.stringMatching(/^[a-z0-9/]{0,12}$/)).map(([s, h, p]) => `${s}://${h}/${p}`),
);

test('property (seeded): names and values that hold no secret come out unchanged', () => {
  fc.assert(
    fc.property(plainName, plainValue, (name, value) => {
      tally.plainTried++;
      const env = redactedEnv({ [name]: value });
      const cfg = redactConfigText(`${name}=${value}\n`);
      const argv = redactArgv([`--${name.toLowerCase()}=${value}`]);
      const same =
        !isSecretName(name) &&
        env[0]![1] === value &&
        cfg === `${name}=${value}\n` &&
        argv[0] === `--${name.toLowerCase()}=${value}` &&
        redactValue(value) === value &&
        JSON.stringify(redactJson({ [name]: value }, true)) === JSON.stringify({ [name]: value });
      if (!same) {
        tally.plainChanged++;
        assert.unreachable(`${name}=${value} was changed`);
      }
    }),
    { seed: 0x91a1, numRuns: 1500 },
  );
  console.log(`redactor properties: ${JSON.stringify(tally)}`);
});

test('the names of the issue, by token and by stem; PATH, PWD and KEYBOARD-free names are not secrets', () => {
  for (const n of [
    'DATABASE_PASSWORD',
    'PGPASS',
    'AUTH',
    'GITHUB_PAT',
    'PASSWD',
    'MY_PWD',
    'SESSION_COOKIE',
    'MY_API_KEY',
    'GITHUB_TOKEN',
    'AWS_SECRET_ACCESS_KEY',
    'NPM_CRED',
    'x-api-key',
    'Authorization',
    'Cookie',
    'clientSecret',
    '--password',
    'SENTRY_DSN',
  ])
    assert.ok(isSecretName(n), n);
  for (const n of ['PATH', 'PWD', 'OLDPWD', 'HOME', 'PATTERN', 'LANG', 'SHELL', 'USER', 'DATABASE_URL', 'content-type'])
    assert.not.ok(isSecretName(n), n);
  assert.is(redactValue('redis://:pw@cache:6379/0'), `redis://${REDACTED_VALUE}@cache:6379/0`);
  assert.is(redactValue('postgres://u:p@ss@db/x'), `postgres://${REDACTED_VALUE}@db/x`);
  assert.is(redactValue('see https://example.com/a and mailto:x@y'), 'see https://example.com/a and mailto:x@y');
});

test.run();
