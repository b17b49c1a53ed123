import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ByteorError } from '../../kernel/index.ts';
import {
  compatibilityProblem,
  loadSchemaContract,
  type SchemaField,
  type VersionSchema,
} from '../../plugins/dataguard/registry.ts';
import { EXAMPLE_REGISTRY, familyKv, tempRegistry, versionKv } from './registry-fixture.ts';

const F = (name: string, type: SchemaField['type'], required: boolean): SchemaField => ({ name, type, required });
const V1 = [F('id', 'int', true), F('name', 'string', true), F('note', 'string', false)];
const V2 = [...V1, F('tag', 'bytes', false)];

function failsWith(fn: () => unknown, code: string, exit: number, text?: RegExp): ByteorError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ByteorError);
    const err = e as ByteorError;
    assert.is(err.code, code, err.message);
    assert.is(err.exitCode, exit);
    if (text) assert.match(err.message, text);
    return err;
  }
  assert.unreachable(`expected ${code}`);
  throw new Error('unreachable');
}

test('the example registry loads: family, message name, versions at and above the required one', () => {
  const c = loadSchemaContract(EXAMPLE_REGISTRY, 7, 1, 1);
  assert.is(c.familyName, 'payments');
  assert.is(c.msgName, 'card_auth');
  assert.equal(
    c.versions.map((v) => v.version),
    [1, 2],
  );
  assert.equal(
    c.versions[0]!.fields.map((f) => f.name),
    ['txn_id', 'ts', 'card', 'email', 'name', 'amount', 'currency', 'notes'],
  );
  assert.equal(
    loadSchemaContract(EXAMPLE_REGISTRY, 7, 1, 2).versions.map((v) => v.version),
    [2],
  );
});

test('missing family, message type or version is BYTEOR_E_DATAGUARD_SCHEMA_MISSING (exit 3)', () => {
  failsWith(
    () => loadSchemaContract(EXAMPLE_REGISTRY, 8, 1, 1),
    'BYTEOR_E_DATAGUARD_SCHEMA_MISSING',
    3,
    /no schema family 8/,
  );
  failsWith(
    () => loadSchemaContract(EXAMPLE_REGISTRY, 7, 2, 1),
    'BYTEOR_E_DATAGUARD_SCHEMA_MISSING',
    3,
    /no message type 2/,
  );
  const r = tempRegistry({
    '5/family.kv': familyKv(5),
    '5/1/v1.kv': versionKv(5, 1, 1, V1),
    '5/1/v3.kv': versionKv(5, 1, 3, V2),
  });
  try {
    failsWith(
      () => loadSchemaContract(r.root, 5, 1, 2),
      'BYTEOR_E_DATAGUARD_SCHEMA_MISSING',
      3,
      /no version 2 .*it has 1, 3/,
    );
    assert.equal(
      loadSchemaContract(r.root, 5, 1, 3).versions.map((v) => v.version),
      [3],
    );
  } finally {
    r.remove();
  }
  const empty = tempRegistry({ '5/family.kv': familyKv(5), '5/1/README.md': 'not a schema' });
  try {
    failsWith(() => loadSchemaContract(empty.root, 5, 1, 1), 'BYTEOR_E_DATAGUARD_SCHEMA_MISSING', 3, /no versions/);
  } finally {
    empty.remove();
  }
});

test('a registry older than --required-version is BYTEOR_E_DATAGUARD_SCHEMA_OLDER (exit 3)', () => {
  failsWith(
    () => loadSchemaContract(EXAMPLE_REGISTRY, 7, 1, 3),
    'BYTEOR_E_DATAGUARD_SCHEMA_OLDER',
    3,
    /newest version .* is 2, older than --required-version=3/,
  );
});

test('incompatible versions at or above the required one are BYTEOR_E_DATAGUARD_SCHEMA_INCOMPATIBLE (exit 3)', () => {
  const cases: Array<[SchemaField[], RegExp]> = [
    [[V1[0]!, V1[1]!], /removes field "note"/],
    [[V1[0]!, F('name', 'bytes', true), V1[2]!], /changes the type of field "name" from string to bytes/],
    [[V1[0]!, V1[1]!, F('note', 'string', true)], /changes field "note" from optional to required/],
    [[V1[1]!, V1[0]!, V1[2]!], /has field "name" at position 0 where version 1 has "id"/],
    [[...V1, F('extra', 'int', true)], /adds required field "extra"/],
  ];
  for (const [v2, why] of cases) {
    const r = tempRegistry({
      '5/family.kv': familyKv(5),
      '5/1/v1.kv': versionKv(5, 1, 1, V1),
      '5/1/v2.kv': versionKv(5, 1, 2, v2),
    });
    try {
      failsWith(() => loadSchemaContract(r.root, 5, 1, 1), 'BYTEOR_E_DATAGUARD_SCHEMA_INCOMPATIBLE', 3, why);
      // an incompatible pair below the required version does not matter
      assert.equal(loadSchemaContract(r.root, 5, 1, 2).versions.length, 1);
    } finally {
      r.remove();
    }
  }
});

test('malformed registry files are BYTEOR_E_DATAGUARD_REGISTRY_INVALID (exit 6) naming the file', () => {
  const good = versionKv(5, 1, 1, V1);
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ '5/family.kv': 'family.id=5\n' }, /family\.kv is invalid: name/],
    [
      { '5/family.kv': 'family.id=6\nfamily.name=x\n', '5/1/v1.kv': good },
      /family\.id=6 does not match its directory 5/,
    ],
    [{ '5/family.kv': familyKv(5) + 'owner=me\n', '5/1/v1.kv': good }, /unknown key "owner"/],
    [{ '5/family.kv': familyKv(5), '5/1/v1.kv': good + 'colour=red\n' }, /unknown key "colour"/],
    [
      { '5/family.kv': familyKv(5), '5/1/v1.kv': good.replace('field.1.type=string', 'field.1.type=text') },
      /fields\.1\.type/,
    ],
    [
      { '5/family.kv': familyKv(5), '5/1/v1.kv': good.replace('field.0.required=true', 'field.0.required=yes') },
      /fields\.0\.required/,
    ],
    [
      { '5/family.kv': familyKv(5), '5/1/v1.kv': good + 'field.4.name=z\nfield.4.type=int\nfield.4.required=false\n' },
      /field\.3 is missing/,
    ],
    [{ '5/family.kv': familyKv(5), '5/1/v1.kv': good + 'schema.id=5\n' }, /key "schema\.id" is already set/],
    [
      { '5/family.kv': familyKv(5), '5/1/v1.kv': versionKv(5, 1, 1, [...V1, F('id', 'int', false)]) },
      /field "id" is declared twice/,
    ],
    [{ '5/family.kv': familyKv(5), '5/1/v1.kv': versionKv(5, 1, 2, V1) }, /but its path says 5\/1\/v1/],
    [{ '5/family.kv': familyKv(5), '5/1/v01.kv': good }, /v<N>\.kv/],
    [
      { '5/family.kv': familyKv(5), '5/1/v1.kv': versionKv(5, 1, 1, [F('__proto__', 'int', true)]) },
      /must not start with "__"/,
    ],
    [
      { '5/family.kv': familyKv(5), '5/1/v1.kv': good, '5/1/v2.kv': versionKv(5, 1, 2, V2, 'other') },
      /msg_name=other differs/,
    ],
    [{ '5/family.kv': familyKv(5), '5/1/v1.kv': 'schema.id = 5\n' }, /not a valid key/],
  ];
  for (const [files, why] of cases) {
    const r = tempRegistry(files);
    try {
      failsWith(() => loadSchemaContract(r.root, 5, 1, 1), 'BYTEOR_E_DATAGUARD_REGISTRY_INVALID', 6, why);
    } finally {
      r.remove();
    }
  }
});

test('a registry root that is not a directory is BYTEOR_E_DATAGUARD_REGISTRY_ROOT (exit 2)', () => {
  failsWith(
    () => loadSchemaContract('/nonexistent/registry', 7, 1, 1),
    'BYTEOR_E_DATAGUARD_REGISTRY_ROOT',
    2,
    /--registry-root=\/nonexistent\/registry/,
  );
});

const arbField = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/),
  type: fc.constantFrom('string', 'int', 'float', 'bool', 'bytes') as fc.Arbitrary<SchemaField['type']>,
  required: fc.boolean(),
});
const arbFields = fc.uniqueArray(arbField, { minLength: 1, maxLength: 8, selector: (f) => f.name });
const ver = (version: number, fields: SchemaField[]): VersionSchema => ({
  schema_id: 1,
  msg_type: 1,
  msg_name: 'm',
  version,
  fields,
});

test(
  'property: appending optional fields is compatible; ' + 'changing any existing field or adding a required one is not',
  () => {
    fc.assert(
      fc.property(arbFields, arbFields, fc.nat(), (base, extra, pick) => {
        const names = new Set(base.map((f) => f.name));
        const added = extra.filter((f) => !names.has(f.name));
        assert.is(
          compatibilityProblem(ver(1, base), ver(2, [...base, ...added.map((f) => ({ ...f, required: false }))])),
          undefined,
        );
        const i = pick % base.length;
        const f = base[i]!;
        const retyped = [...base];
        retyped[i] = { ...f, type: f.type === 'string' ? 'bytes' : 'string' };
        assert.ok(compatibilityProblem(ver(1, base), ver(2, retyped)));
        const flipped = [...base];
        flipped[i] = { ...f, required: !f.required };
        assert.ok(compatibilityProblem(ver(1, base), ver(2, flipped)));
        assert.ok(
          compatibilityProblem(
            ver(1, base),
            ver(
              2,
              base.filter((_, k) => k !== i),
            ),
          ),
        );
        if (added.length > 0)
          assert.ok(compatibilityProblem(ver(1, base), ver(2, [...base, { ...added[0]!, required: true }])));
      }),
      { seed: 7, numRuns: 200 },
    );
  },
);

test.run();
