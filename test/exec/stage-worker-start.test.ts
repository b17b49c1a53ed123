// A stage worker started ahead of its run (kernel/exec/stage-worker-start.ts, what `byteor run
// --sp` does while its plugins load): the run takes the spare for its first stage and tells it
// its stage by message, starts the other stages fresh, and every record goes through; a spare
// nobody takes does not hold the process and is terminated. Real worker threads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  discardSpareStageWorker,
  prestartStageWorker,
  startStageWorker,
} from '../../kernel/exec/stage-worker-start.ts';
import { main } from '../../kernel/cli.ts';
import { prescan, startAhead } from '../../kernel/cli-prescan.ts';
import { coreKernel, singleRing, CheckingEgress, drive, start, expectUpper } from './harness.ts';

/** Worker threads that hold this process (a ref'd worker shows as its MessagePort). */
const heldWorkers = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;

test('a spare stage worker does not hold the process; taken, it does', async () => {
  prestartStageWorker();
  prestartStageWorker(); // one spare at a time
  assert.is(heldWorkers(), 0);
  const w = startStageWorker();
  assert.is(heldWorkers(), 1, 'the spare, held once taken');
  await w.terminate();
  assert.is(heldWorkers(), 0);
  await discardSpareStageWorker(); // taken: nothing left to discard
});

test('a run takes the spare for its first stage, starts the others, and every record goes through', async () => {
  prestartStageWorker();
  // let the spare boot and wait for its stage, as it does while the CLI loads plugins
  await new Promise((r) => setTimeout(r, 300));
  const kernel = await coreKernel();
  const spec = singleRing([
    { key: 'upper', depends_on: [] },
    { key: 'identity', depends_on: [0] },
  ]);
  const { state, check } = expectUpper(3);
  const egress = new CheckingEgress(check);
  const run = await start(kernel, spec, egress);
  assert.is(heldWorkers(), 2, 'the spare and one fresh worker');
  const s = await drive(run, 50_000, 3);
  assert.ok(s.ok, JSON.stringify(s.error));
  assert.is(state.bad, -1, `first wrong record at ${state.bad}`);
  assert.is(s.records_out, 50_000);
  for (const c of s.counters) assert.is(c.values.records, 50_000, `stage ${c.stage} saw every slot`);
  assert.is(heldWorkers(), 0, 'the run ended both workers');
});

test('a spare nobody takes is terminated; discarding twice is harmless', async () => {
  prestartStageWorker();
  assert.ok(await discardSpareStageWorker());
  assert.not.ok(await discardSpareStageWorker());
  assert.is(heldWorkers(), 0);
  // the next run starts its workers fresh
  const kernel = await coreKernel();
  const { state, check } = expectUpper(5);
  const run = await start(kernel, singleRing([{ key: 'upper', depends_on: [] }]), new CheckingEgress(check));
  const s = await drive(run, 1_000, 5);
  assert.ok(s.ok, JSON.stringify(s.error));
  assert.is(state.bad, -1);
});

test('the CLI starts a spare ahead for run --sp only: not help, the long-running form or another verb', async () => {
  const cases: [string[], boolean][] = [
    [['run', '--sp', '--spec=x.kv'], true],
    [['--plugin', 'dataguard', 'run', '--input=-', '--sp'], true],
    [['run', '--spec=x.kv'], false],
    [['run', '--sp', '--help'], false],
    [['run', '-h', '--sp'], false],
    [['validate', '--sp'], false],
    [['--sp'], false],
  ];
  for (const [argv, ahead] of cases) {
    startAhead(prescan(argv));
    assert.is(await discardSpareStageWorker(), ahead, argv.join(' '));
  }
});

test('byteor run --sp that fails before its run leaves no spare behind', async () => {
  const err: string[] = [];
  const code = await main(['run', '--sp', '--spec=/nonexistent/spec.kv', '--input=-'], {
    io: { out: () => {}, err: (t) => err.push(t), tty: false, color: false },
  });
  assert.is(code, 2, err.join(''));
  assert.match(err.join(''), 'BYTEOR_E_SPEC_UNREADABLE');
  assert.is(heldWorkers(), 0);
  assert.not.ok(await discardSpareStageWorker(), 'main() terminated the spare it started');
});

test.run();
