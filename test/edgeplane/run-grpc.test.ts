import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { recordSinkService as loadRecordSinkService } from '../../plugins/edgeplane/grpc.ts';
import { IDENTITY_SPEC, exampleConfig, startCli } from './cli.ts';
import { exitWhenDone, freePort, until } from './helpers.ts';

const recordSinkService = await loadRecordSinkService();

const dir = mkdtempSync(join(tmpdir(), 'byteor-ep-grpc-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

type Reply = { accepted: number };
const RecordSinkClient = grpc.makeGenericClientConstructor(recordSinkService, 'RecordSink');

test('grpc -> grpc example: Push calls reach the far server in order, each answered after delivery', async () => {
  // the far end: a real grpc-js server of the same contract
  const far = new grpc.Server();
  const seen: string[] = [];
  far.addService(recordSinkService, {
    Push: (call: grpc.ServerUnaryCall<{ payload: Buffer }, Reply>, cb: grpc.sendUnaryData<Reply>) => {
      seen.push(call.request.payload.toString());
      cb(null, { accepted: 1 });
    },
  });
  const farPort = await new Promise<number>((resolve, reject) =>
    far.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const inPort = await freePort();
  const cfg = exampleConfig(
    'grpc-to-grpc.conf',
    dir,
    { 'ingress.port=50051': `ingress.port=${inPort}`, '127.0.0.1:50052': `127.0.0.1:${farPort}` },
    '',
  );
  const rt = startCli([
    'run',
    '--sp',
    '--plugin=edgeplane',
    `--spec=${IDENTITY_SPEC}`,
    `--config=${cfg}`,
    '--adapter-max-messages=30',
    '--json',
  ]);
  const client = new RecordSinkClient(
    `127.0.0.1:${inPort}`,
    grpc.credentials.createInsecure(),
  ) as unknown as grpc.Client & {
    Push(req: { payload: Buffer }, cb: (e: grpc.ServiceError | null, r?: Reply) => void): void;
  };
  try {
    await until(
      () => new Promise<boolean>((r) => client.waitForReady(Date.now() + 500, (e) => r(!e))),
      30_000,
      'the runtime serving gRPC',
    );
    for (let i = 0; i < 30; i++) {
      const reply = await new Promise<Reply>((resolve, reject) =>
        client.Push({ payload: Buffer.from(`g${i}`) }, (e, r) => (e ? reject(e) : resolve(r!))),
      );
      assert.equal(reply, { accepted: 1 });
      assert.is(seen.length, i + 1, 'reply=delivered: the far server had the record before the reply');
    }
    const r = await rt.done;
    assert.is(r.code, 0, r.stderr);
    assert.is(JSON.parse(r.stdout).records_out, 30);
    assert.equal(
      seen,
      Array.from({ length: 30 }, (_, i) => `g${i}`),
    );
  } finally {
    rt.child.kill('SIGKILL');
    client.close();
    far.forceShutdown();
  }
});

exitWhenDone(test);
test.run();
