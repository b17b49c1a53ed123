import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DoctorReport, stableJson } from '../../kernel/index.ts';
import { evaluate, hostReady, type ThreadDemand } from '../../plugins/verbs/doctor/checks.ts';
import type { HostFacts, PathFacts } from '../../plugins/verbs/doctor/host.ts';
import { parseCpuList, parseStatus } from '../../plugins/verbs/doctor/proc.ts';
import { cli } from './bundle-helpers.ts';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'byteor-doctor-'));

/** Run the real CLI in a child process (optionally under a wrapper such as prlimit). */
function doctor(args: string[], wrapper: string[] = []) {
  const cmd = [
    ...wrapper,
    process.execPath,
    '--no-liftoff',
    '--conditions=source',
    '--import',
    'tsx',
    join(root, 'kernel/main.ts'),
    'doctor',
    ...args,
  ];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd: root, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`cannot run ${cmd[0]} (${r.error.message}); install util-linux (prlimit, setpriv)`);
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const byId = (r: DoctorReport) => Object.fromEntries(r.items.map((i) => [i.id, i]));

// -- pure evaluation on fixture facts ------------------------------------------------------

const dirFacts = (over: Partial<PathFacts> = {}): PathFacts => ({
  path: '/run/byteor',
  exists: true,
  isDirectory: true,
  writable: true,
  mode: 0o750,
  ownerUid: 1000,
  creatable: false,
  freeBytes: 1e9,
  ...over,
});
const stat = (policy: number) =>
  `99 (node) S ${Array.from({ length: 48 }, (_, i) => (i === 41 - 4 ? String(policy) : '0')).join(' ')}`;
const ok = { ok: true, detail: 'ok' };

function facts(
  over: {
    status?: string;
    limits?: string;
    isolated?: string;
    policy?: number;
    runDir?: Partial<PathFacts>;
    unreadable?: string[];
  } = {},
): HostFacts {
  const files: HostFacts['files'] = {
    status: over.status ?? 'VmLck:\t0 kB\nVmRSS:\t50000 kB\nCapEff:\t0000000000000000\nCpus_allowed_list:\t0-7\n',
    limits:
      over.limits ??
      'Max locked memory         unlimited            unlimited            bytes\nMax realtime priority     ' +
        '99                   99\n',
    stat: stat(over.policy ?? 0),
    isolated: over.isolated ?? '',
    online: '0-7\n',
    mounts: 'tmpfs /dev/shm tmpfs rw 0 0\n',
    rtRuntimeUs: '950000\n',
  };
  const unreadable: Record<string, string> = {};
  for (const p of over.unreadable ?? []) {
    const key = Object.entries({
      status: '/proc/self/status',
      limits: '/proc/self/limits',
      stat: '/proc/self/stat',
      isolated: '/sys/devices/system/cpu/isolated',
    }).find(([, v]) => v === p)![0] as keyof HostFacts['files'];
    files[key] = null;
    unreadable[p] = 'EACCES';
  }
  return {
    platform: 'linux',
    arch: 'x64',
    release: '6.1',
    runtime: 'node',
    runtimeVersion: '20.11.0',
    uid: 1000,
    availableParallelism: 8,
    files,
    unreadable,
    runDir: { ...dirFacts(over.runDir), source: 'flag' },
    shm: { ...dirFacts(), path: '/dev/shm', mode: 0o1777, ownerUid: 0 },
    probes: { sharedArrayBuffer: ok, wasmThreads: ok, atomicsWaitInWorker: ok },
  };
}
const spec4: ThreadDemand = {
  source: 'spec',
  specPath: 's.kv',
  specHash: null,
  stageThreads: 3,
  totalThreads: 4,
  ringBytes: 1 << 20,
  wait: 'spin',
};

test(
  'isolated-core on a prepared host: isolated CPUs, confined, SCHED_FIFO → ready (memlock/pinning degraded, ' +
    'honestly)',
  () => {
    const items = evaluate(
      'isolated-core',
      facts({
        isolated: '4-7',
        status: 'VmLck:\t0 kB\nVmRSS:\t1 kB\nCapEff:\t0000000000004000\nCpus_allowed_list:\t4-7\n',
        policy: 1,
      }),
      spec4,
    );
    const s = Object.fromEntries(items.map((i) => [i.id, i.status]));
    assert.equal(s, {
      runtime_version: 'applied',
      shared_array_buffer: 'applied',
      wasm_threads: 'applied',
      atomics_wait_worker: 'applied',
      run_dir: 'applied',
      shm: 'applied',
      cpu_headroom: 'applied',
      wait_strategy: 'applied',
      memlock: 'degraded',
      cpu_pinning: 'degraded',
      cpu_isolation: 'applied',
      rt_scheduling: 'applied',
    });
    assert.ok(hostReady(items));
  },
);

test(
  'isolated-core on a plain host: no isolated CPUs and no RT permission fail; the default profile does not ask ' +
    'for them',
  () => {
    const f = facts({
      limits:
        'Max locked memory         65536                65536                bytes\nMax realtime priority     ' +
        '0                    0\n',
    });
    const iso = Object.fromEntries(evaluate('isolated-core', f, spec4).map((i) => [i.id, i]));
    assert.is(iso.cpu_isolation!.status, 'failed');
    assert.match(iso.cpu_isolation!.reasons[0]!, 'isolcpus');
    assert.is(iso.rt_scheduling!.status, 'failed');
    assert.is(iso.memlock!.status, 'failed');
    assert.not.ok(hostReady(Object.values(iso)));
    const def = evaluate('default', f, spec4);
    assert.ok(
      def
        .filter((i) => ['cpu_isolation', 'rt_scheduling', 'memlock'].includes(i.id))
        .every((i) => i.status === 'not_requested' && i.requested === null),
    );
    assert.ok(hostReady(def));
  },
);

test('CPU headroom: 4 spinning threads on 2 CPUs fail low-latency; under default it is only degraded', () => {
  const f = facts({ status: 'CapEff:\t0\nCpus_allowed_list:\t0-1\n' });
  assert.is(byId({ items: evaluate('low-latency', f, spec4) } as DoctorReport).cpu_headroom!.status, 'failed');
  const d = byId({ items: evaluate('default', f, { ...spec4, wait: 'backoff' }) } as DoctorReport);
  assert.is(d.cpu_headroom!.status, 'degraded');
  assert.is(d.wait_strategy!.status, 'applied');
});

test('what could not be read is unchecked, never applied, and a required unchecked item means not ready', () => {
  const items = evaluate(
    'isolated-core',
    facts({ unreadable: ['/sys/devices/system/cpu/isolated', '/proc/self/limits'] }),
    spec4,
  );
  const s = byId({ items } as DoctorReport);
  assert.is(s.cpu_isolation!.status, 'unchecked');
  assert.match(s.cpu_isolation!.reasons.join(' '), '/sys/devices/system/cpu/isolated could not be read (EACCES)');
  assert.is(s.memlock!.status, 'unchecked');
  assert.not.ok(hostReady(items));
});

test('run directory: world-writable, too long for a socket path, or not creatable fail', () => {
  const s = (runDir: Partial<PathFacts>) =>
    byId({ items: evaluate('default', facts({ runDir }), spec4) } as DoctorReport).run_dir!;
  assert.is(s({ mode: 0o777 }).status, 'failed');
  assert.is(s({ path: `/tmp/${'x'.repeat(100)}` }).status, 'failed');
  assert.is(s({ exists: false, creatable: false }).status, 'failed');
  assert.is(s({ exists: false, creatable: true }).status, 'applied');
  assert.is(s({ mode: 0o770 }).status, 'degraded');
});

// -- the real CLI on this host ---------------------------------------------------------------

test('doctor --json on this host reports what /proc says, and its exit code follows the required items', async () => {
  const out = join(dir, 'doctor.json');
  const r = await cli(['doctor', '--profile=default', '--json', `--run-dir=${join(dir, 'run')}`, `--out=${out}`]);
  const report = DoctorReport.parse(JSON.parse(r.out));
  assert.is(r.code, report.ok ? 0 : 5, r.err);
  const items = byId(report);
  // doctor read this process's own /proc/self/status
  const allowed = parseCpuList(parseStatus(readFileSync('/proc/self/status', 'utf8')).get('Cpus_allowed_list')!)!;
  assert.is(items.cpu_headroom!.observed.usable_cpus, allowed.length);
  assert.is(items.wasm_threads!.status, 'applied');
  assert.is(items.atomics_wait_worker!.status, 'applied');
  assert.is(items.run_dir!.status, 'applied');
  // the artifact round-trips: written file = stable JSON of its parsed schema value
  const text = readFileSync(out, 'utf8');
  assert.is(text, stableJson(DoctorReport.parse(JSON.parse(text))));
});

test('--spec: the thread and ring demand come from the spec (4 shards × 2 stages + main)', async () => {
  const r = await cli([
    'doctor',
    `--spec=${join(root, 'examples/sharded.kv')}`,
    '--json',
    `--run-dir=${join(dir, 'run')}`,
  ]);
  const report = DoctorReport.parse(JSON.parse(r.out));
  assert.equal(report.demand, {
    source: 'spec',
    spec_path: join(root, 'examples/sharded.kv'),
    spec_hash: report.demand.spec_hash,
    stage_threads: 8,
    total_threads: 9,
    ring_bytes: 4 * 1024 * (256 + 4),
    wait: report.demand.wait,
  });
  assert.match(report.demand.spec_hash!, /^sha256:[0-9a-f]{64}$/);
  assert.is(byId(report).cpu_headroom!.observed.runtime_threads, 9);
  assert.is(byId(report).wait_strategy!.status === 'unchecked', false);
});

test('low-latency with RLIMIT_MEMLOCK 64 KiB and no CAP_IPC_LOCK: memlock failed, exit 5', () => {
  const drop = process.getuid?.() === 0 ? ['setpriv', '--bounding-set=-all', '--inh-caps=-all', '--'] : [];
  const r = doctor(
    ['--profile=low-latency', '--json', `--run-dir=${join(dir, 'run')}`],
    ['prlimit', '--memlock=65536:65536', ...drop],
  );
  assert.is(r.code, 5, r.err);
  const m = byId(DoctorReport.parse(JSON.parse(r.out))).memlock!;
  assert.is(m.status, 'failed');
  assert.is(m.observed.rlimit_memlock_soft, 65536);
  assert.is(m.observed.cap_ipc_lock, false);
});

test('isolated-core with RLIMIT_RTPRIO 0 and no CAP_SYS_NICE: rt_scheduling failed, exit 5', () => {
  const drop = process.getuid?.() === 0 ? ['setpriv', '--bounding-set=-all', '--inh-caps=-all', '--'] : [];
  const r = doctor(
    ['--profile=isolated-core', '--json', `--run-dir=${join(dir, 'run')}`],
    ['prlimit', '--rtprio=0:0', ...drop],
  );
  assert.is(r.code, 5, r.err);
  assert.is(byId(DoctorReport.parse(JSON.parse(r.out))).rt_scheduling!.status, 'failed');
});

test('a world-writable run directory fails the default profile (exit 5); a bad profile is a usage error', async () => {
  const wd = join(dir, 'open');
  mkdirSync(wd);
  chmodSync(wd, 0o777);
  const r = await cli(['doctor', '--json', `--run-dir=${wd}`]);
  assert.is(r.code, 5);
  assert.is(byId(JSON.parse(r.out)).run_dir.status, 'failed');
  assert.is((await cli(['doctor', '--profile=turbo'])).code, 2);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
