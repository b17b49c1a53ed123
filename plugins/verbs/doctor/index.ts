import {
  DoctorReport,
  TuningProfile,
  DOCTOR_REPORT_VERSION,
  type DoctorItem,
} from '../../../kernel/artifacts/doctor-report.ts';
import { stableJson, writeJsonArtifact } from '../../../kernel/artifacts/json.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';
import {
  definePlugin,
  PLUGIN_API_VERSION,
  type FlagValues,
  type VerbContext,
} from '../../../kernel/plugin-contract.ts';
import { flag, flags } from '../../../kernel/flags.ts';
import { DEFAULT_RUN_DIR, userRunDir } from '../../../kernel/rundir/run-dir.ts';
import { evaluate, hostReady, type ThreadDemand } from './checks.ts';
import { demandOfSpec, MINIMUM_DEMAND } from './demand.ts';
import { gatherHostFacts, pathFacts } from './host.ts';

/**
 * `byteor doctor`: a contract check of this host against a tuning profile, not a benchmark.
 * It reads real limits and runs live probes in this process, so run it the way the runtime
 * runs (same user, same systemd limits, same taskset/chrt wrapper). docs/operator-flow.md.
 */

const Flags = flags({
  profile: flag.string({
    value: 'default|low-latency|isolated-core',
    description: 'tuning profile to check for (default: default)',
    schema: TuningProfile.default('default'),
  }),
  spec: flag.string({ value: 'PATH', description: 'spec whose thread and ring demand the CPU and memory checks use' }),
  'run-dir': flag.string({
    value: 'DIR',
    description: 'run directory to check (default /run/byteor, else a per-user temp dir)',
  }),
  out: flag.string({ value: 'FILE', description: 'also write the report (doctor_v 1 JSON) to FILE' }),
});

/**
 * The run directory `run` would use: `--run-dir`, else /run/byteor when it is (or can be made) writable, else the
 * per-user one. Nothing is created.
 */
function runDirFor(flag: string | undefined): { path: string; source: string } {
  if (flag !== undefined) return { path: flag, source: 'flag' };
  const sys = pathFacts(DEFAULT_RUN_DIR);
  if (sys.writable || sys.creatable) return { path: DEFAULT_RUN_DIR, source: 'default' };
  return { path: userRunDir(), source: `per-user fallback (${DEFAULT_RUN_DIR} is not writable)` };
}

const MARK: Record<DoctorItem['status'], string> = {
  applied: 'applied',
  degraded: 'DEGRADED',
  failed: 'FAILED',
  unchecked: 'UNCHECKED',
  not_requested: '-',
};

function human(r: DoctorReport): string {
  const lines = [
    `doctor: profile ${r.profile} on ${r.host.platform}/${r.host.arch} ${r.host.release}, ${r.host.runtime} ` +
      `${r.host.runtime_version}`,
    `demand: ${r.demand.total_threads} threads (${r.demand.stage_threads} stage + main)` +
      `${r.demand.source === 'spec' ? ` from ${r.demand.spec_path}` : ' (minimum; pass --spec for the real demand)'}`,
    '',
  ];
  for (const i of r.items) {
    lines.push(`  ${MARK[i.status].padEnd(10)} ${i.title}${i.requirement === 'none' ? '' : ` [${i.requirement}]`}`);
    if (i.requested) lines.push(`             requested: ${i.requested}`);
    for (const why of i.reasons) lines.push(`             - ${why}`);
  }
  lines.push(
    '',
    r.ok
      ? `host ready for the ${r.profile} profile`
      : `host NOT ready for the ${r.profile} profile: a required item failed or could not be checked`,
  );
  return `${lines.join('\n')}\n`;
}

async function run(ctx: VerbContext<FlagValues<typeof Flags>>): Promise<number> {
  const { flags } = ctx;
  const demand: ThreadDemand = flags.spec !== undefined ? demandOfSpec(await ctx.loadSpec(flags.spec)) : MINIMUM_DEMAND;
  const facts = await gatherHostFacts(runDirFor(flags['run-dir']));
  const items = evaluate(flags.profile, facts, demand);
  const report = DoctorReport.parse({
    doctor_v: DOCTOR_REPORT_VERSION,
    profile: flags.profile,
    ok: hostReady(items),
    checked_unix_ms: Date.now(),
    host: {
      platform: facts.platform,
      arch: facts.arch,
      release: facts.release,
      runtime: facts.runtime,
      runtime_version: facts.runtimeVersion,
    },
    demand: {
      source: demand.source,
      spec_path: demand.specPath,
      spec_hash: demand.specHash,
      stage_threads: demand.stageThreads,
      total_threads: demand.totalThreads,
      ring_bytes: demand.ringBytes,
      wait: demand.wait,
    },
    items,
  });
  if (flags.out !== undefined) writeJsonArtifact(flags.out, DoctorReport, report);
  ctx.io.out(ctx.json ? stableJson(report) : human(report));
  return report.ok ? ExitCode.OK : ExitCode.HOST_NOT_READY;
}

export default definePlugin({
  name: 'doctor',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  setup(host) {
    host.registerVerb({
      name: 'doctor',
      summary:
        'check this host against a tuning profile (requested / applied / degraded / failed); exit 5 when not ready',
      usage: [
        'Profiles: default (backoff waits, no privileges), low-latency (spin, balanced pinning, mlockall),',
        'isolated-core (spin, isolated CPUs, SCHED_FIFO, locked memory, memory-backed SHM).',
        'Run doctor as the runtime runs: same user, systemd limits and taskset/chrt wrapper.',
      ].join('\n'),
      flags: Flags,
      run,
    });
  },
});
