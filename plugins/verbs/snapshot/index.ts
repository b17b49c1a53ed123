import { z } from 'zod';
import { stableJson, writeJsonArtifact } from '../../../kernel/artifacts/json.ts';
import { RuntimeStateDocument } from '../../../kernel/artifacts/runtime-state.ts';
import { SingleRingSnapshot } from '../../../kernel/artifacts/single-ring-snapshot.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';
import {
  definePlugin,
  PLUGIN_API_VERSION,
  type FlagValues,
  type VerbContext,
} from '../../../kernel/plugin-contract.ts';
import { flag, flags } from '../../../kernel/flags.ts';
import { locateRunDir } from '../../../kernel/rundir/run-dir.ts';
import { captureSnapshot } from '../../../kernel/snapshot/capture.ts';
import { runDirFromFlags } from '../../../kernel/rundir/runtime-path.ts';
import { laneGraphText } from './lane-graph-text.ts';
import { SnapshotErrors } from './errors.ts';

/**
 * `byteor snapshot`: the runtime's ring state and gating view, asked live over the control
 * socket, or read from the state file a dead runtime left — the output says which (`source`),
 * and for a state file whether the runtime process is still alive and how old the file is
 * (`liveness`). Exit 1 (BYTEOR_E_RUNTIME_GONE) when the runtime is gone without having stopped
 * (its last state says running or draining: killed or crashed) — that state is still printed;
 * exit 6 when neither can be read or what was read fails its schema.
 */

const Flags = flags({
  'run-dir': flag.string({
    value: 'DIR',
    description: "the runtime's run directory (default /run/byteor when it holds a runtime, else the per-user one)",
  }),
  'ring-path': flag.string({
    value: 'PATH',
    description:
      "ByteOr's name for where the runtime's ring lives: its run directory (or its control.sock / state.json)",
  }),
  'lane-path': flag.string({
    value: 'PATH',
    description:
      "ByteOr's name for where the runtime's lanes live: its run directory (or its control.sock / state.json)",
  }),
  out: flag.string({
    value: 'FILE',
    description: 'also write the snapshot document (single_ring_snapshot.json or lane_graph_state.json) to FILE',
  }),
  'timeout-ms': flag.string({
    value: 'MS',
    description: 'how long to wait for a live answer (default 3000)',
    schema: z
      .string()
      .regex(/^\d{1,6}$/, 'must be a whole number of milliseconds')
      .transform(Number)
      .default(3000),
  }),
});

function human(s: SingleRingSnapshot, liveError: string | null): string {
  const stalled = new Set(s.stalled.map((x) => `${x.shard}/${x.stage}`));
  const lines = [
    `snapshot of ${s.spec_name} (${s.spec_hash}), source ${s.source}` +
      `${s.source === 'state_file' ? ` (no live runtime: ${liveError})` : ''}`,
    `runtime pid ${s.runtime.pid}, state ${s.runtime.state}, wait ${s.runtime.wait}, captured ` +
      `${new Date(s.captured_unix_ms).toISOString()}`,
    `records in ${s.records.in}, out ${s.records.out}, dropped ${s.records.dropped}, refused ` +
      `${s.records.refused}, waiting in front of the ring ${s.records.waiting}`,
  ];
  for (const sh of s.shards) {
    lines.push(
      `shard ${sh.shard}: capacity ${sh.capacity}, cursor ${sh.cursor}, min_gating ${sh.min_gating}, ${sh.halt}`,
    );
    for (const st of sh.stages)
      lines.push(
        `  stage ${st.stage} ${st.key.padEnd(24)} sequence ${st.sequence}  lag ${st.lag}` +
          `${stalled.has(`${sh.shard}/${st.stage}`) ? '  STALLED' : ''}`,
      );
    lines.push(`  egress ${''.padEnd(24)} sequence ${sh.egress.sequence}  lag ${sh.egress.lag}`);
  }
  lines.push(
    s.stalled.length
      ? `stalled: ${s.stalled.map((x) => `shard ${x.shard} stage ${x.stage} (${x.key}, lag ${x.lag})`).join('; ')}`
      : 'stalled: none',
  );
  if (s.error) lines.push(`error: [${s.error.code}] ${s.error.message}`);
  for (const name of Object.keys(s.sections)) lines.push(`section ${name}: ${JSON.stringify(s.sections[name])}`);
  return `${lines.join('\n')}\n`;
}

async function run(ctx: VerbContext<FlagValues<typeof Flags>>): Promise<number> {
  const runDir = locateRunDir(runDirFromFlags(ctx.flags));
  const cap = await captureSnapshot(runDir, { timeoutMs: ctx.flags['timeout-ms'] });
  if (ctx.flags.out !== undefined) writeJsonArtifact(ctx.flags.out, RuntimeStateDocument, cap.snapshot);
  if (cap.source === 'state_file') ctx.io.err(`no live runtime in ${runDir} (${cap.liveError}); read its state file\n`);
  const s = cap.snapshot;
  const text = ctx.json
    ? stableJson(RuntimeStateDocument.parse(s))
    : s.model === 'lane_graph'
      ? laneGraphText(s, cap.liveError)
      : human(s, cap.liveError);
  ctx.io.out(ctx.json || !s.liveness ? text : `${text}${livenessText(s.liveness)}`);
  // a runtime that ended writes its final state (stopped or failed); one whose last state says
  // running or draining and whose process is gone died without a word (kill -9, a crash)
  if (s.liveness && !s.liveness.alive && (s.runtime.state === 'running' || s.runtime.state === 'draining')) {
    const age = (s.liveness.state_file_age_ms / 1000).toFixed(1);
    ctx.io.err(
      `error[BYTEOR_E_RUNTIME_GONE]: the runtime of ${runDir} (pid ${s.runtime.pid}) is gone: ${s.liveness.why}` +
        `, yet its last state, written ${age} s ago, says ${s.runtime.state}: it was killed or crashed. ` +
        `Take an incident bundle now (byteor incident-bundle --run-dir=${runDir}), then restart it\n`,
    );
    return ExitCode.RUNTIME_FAILURE;
  }
  if (s.liveness && !s.liveness.alive)
    ctx.io.err(`the runtime (pid ${s.runtime.pid}) ended (${s.runtime.state}); this is the final state it wrote\n`);
  else if (s.liveness)
    ctx.io.err(
      `the runtime (pid ${s.runtime.pid}) is alive but did not answer on its control socket; its state file is ` +
        `${(s.liveness.state_file_age_ms / 1000).toFixed(1)} s old (it is rewritten about once a second while the ` +
        `runtime is well)\n`,
    );
  return ExitCode.OK;
}

function livenessText(l: NonNullable<RuntimeStateDocument['liveness']>): string {
  return (
    `alive: ${l.alive ? 'yes' : 'no'} (${l.why}); state file written ${(l.state_file_age_ms / 1000).toFixed(1)} s ` +
    `ago\n`
  );
}

export default definePlugin({
  name: 'snapshot',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  errors: SnapshotErrors,
  setup(host) {
    host.registerVerb({
      name: 'snapshot',
      summary: "capture a runtime's ring state and gating view (live over the control socket, else its state file)",
      usage: `Capture before restarting a service: the state itself may explain the failure. When no runtime
answers, its state file is read and checked against the process it names (pid and start time):
alive or not, and the file's age (liveness). Exit 0 with a snapshot (of a live runtime, or the
final state of one that stopped or failed); exit 1 (BYTEOR_E_RUNTIME_GONE) when the runtime is
gone without having stopped (killed, crashed; its pid not running or reused), after printing its
last state; exit 6 when no snapshot can be read.`,
      flags: Flags,
      run,
    });
  },
});
