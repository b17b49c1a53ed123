import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { FileEgressSettings, FileIngressSettings } from '../../plugins/edgeplane/file.ts';
import { GrpcEgressSettings, GrpcIngressSettings } from '../../plugins/edgeplane/grpc.ts';
import { HttpEgressSettings, HttpIngressSettings } from '../../plugins/edgeplane/http.ts';
import { JetStreamEgressSettings, JetStreamIngressSettings } from '../../plugins/edgeplane/jetstream.ts';
import { NatsEgressSettings, NatsIngressSettings } from '../../plugins/edgeplane/nats.ts';
import { PostgresEgressSettings, PostgresIngressSettings } from '../../plugins/edgeplane/postgres.ts';
import { RabbitStreamsEgressSettings, RabbitStreamsIngressSettings } from '../../plugins/edgeplane/rabbitmq-streams.ts';
import { RedisEgressSettings, RedisIngressSettings } from '../../plugins/edgeplane/redis-streams.ts';
import { S3EgressSettings } from '../../plugins/edgeplane/s3-egress.ts';
import { S3IngressSettings } from '../../plugins/edgeplane/s3-ingress.ts';
import { WebSocketEgressSettings, WebSocketIngressSettings } from '../../plugins/edgeplane/websocket.ts';
import { EDGEPLANE_ADAPTERS } from '../../plugins/edgeplane/index.ts';
import { EdgeplaneErrors } from '../../plugins/edgeplane/errors.ts';

const doc = readFileSync(new URL('../../docs/edgeplane.md', import.meta.url), 'utf8');

function section(kind: string): string {
  const start = doc.indexOf(`### \`${kind}\``);
  assert.ok(start >= 0, `docs/edgeplane.md has a section for ${kind}`);
  const next = doc.indexOf('\n### ', start + 5);
  const end = doc.indexOf('\n## ', start + 5);
  return doc.slice(start, Math.min(...[next, end].filter((i) => i > 0)));
}

const schemas: Record<string, z.ZodObject<z.ZodRawShape>[]> = {
  file: [FileIngressSettings, FileEgressSettings],
  http: [HttpIngressSettings, HttpEgressSettings],
  websocket: [WebSocketIngressSettings, WebSocketEgressSettings],
  nats: [NatsIngressSettings, NatsEgressSettings],
  nats_jetstream: [JetStreamIngressSettings, JetStreamEgressSettings],
  redis_streams: [RedisIngressSettings, RedisEgressSettings],
  postgres: [PostgresIngressSettings, PostgresEgressSettings],
  grpc: [GrpcIngressSettings, GrpcEgressSettings],
  rabbitmq_streams: [RabbitStreamsIngressSettings, RabbitStreamsEgressSettings],
  s3: [S3IngressSettings, S3EgressSettings],
};

test('every adapter kind is documented, with every setting key in its section', () => {
  for (const a of EDGEPLANE_ADAPTERS) {
    const text = section(a.kind);
    for (const schema of schemas[a.kind] ?? []) {
      for (const key of Object.keys(schema.shape))
        assert.ok(text.includes(`\`${key}\``), `${a.kind}: setting ${key} is documented`);
    }
  }
});

test("every error code of the plugin's error table is documented", () => {
  const codes = Object.keys(EdgeplaneErrors.entries);
  assert.ok(codes.length >= 2);
  for (const c of codes) assert.ok(doc.includes(`\`${c}\``), `${c} is in docs/edgeplane.md`);
});

test.run();
