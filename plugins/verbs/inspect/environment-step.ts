import type { TuningProfile } from '../../../kernel/artifacts/doctor-report.ts';
import { ENVIRONMENT_FILE } from '../../../kernel/artifacts/environment-capture.ts';
import type { InspectFinding, InspectStep } from '../../../kernel/artifacts/inspect-report.ts';
import { RUNTIME_INFO_FILE } from '../../../kernel/artifacts/runtime-info.ts';
import { specHash } from '../../../kernel/spec/hash.ts';
import { compactCpuList, PROFILE_WAIT, REQUIREMENTS } from '../doctor/checks.ts';
import { demandOfSpec } from '../doctor/demand.ts';
import { CAP_IPC_LOCK, hasCapability, parseCpuList, parseStatus, statusBytes } from '../doctor/proc.ts';
import type { BundleView } from './bundle-view.ts';
import { anomaly, note, statusOf, step, unread } from './finding.ts';

/**
 * Step 3: environment.json (and runtime.json) against the tuning contract of `--profile`, with
 * doctor's requirements (plugins/verbs/doctor/checks.ts): what the capture holds is checked —
 * the JavaScript runtime's version, the CPUs the process was allowed against the threads the
 * spec needs, the spec's wait strategy, locked memory. A difference in an item the profile
 * requires is an anomaly, in one it recommends a note; what the capture does not hold
 * (isolated CPUs, scheduling policy, limits) is said to be unchecked.
 */
export function environmentStep(v: BundleView, profile: TuningProfile): InspectStep {
  const missing = unread(
    'environment',
    ENVIRONMENT_FILE,
    v.environment,
    'every bundle has one; re-export it with byteor incident-bundle',
  );
  if (missing || v.environment.status !== 'ok') return missing!;
  const e = v.environment.value;
  const files = [ENVIRONMENT_FILE];
  const findings: InspectFinding[] = [];
  const differs = (item: keyof typeof REQUIREMENTS, what: string, message: string) => {
    const req = REQUIREMENTS[item][profile];
    if (req === 'none') return;
    findings.push(
      req === 'required'
        ? anomaly(what, `${item} (required by ${profile}): ${message}`)
        : note(what, `${item} (recommended by ${profile}): ${message}`),
    );
  };

  // whose environment this is: the runtime's, or the process that made the bundle
  if (v.state.status === 'ok' && v.state.value.runtime.pid !== e.pid) {
    findings.push(
      note(
        'not_the_runtime',
        `environment.json was captured from pid ${e.pid} (${e.args.slice(1, 3).join(' ') || 'args not recorded'}` +
          `), not the runtime (pid ${v.state.value.runtime.pid}): its host facts are that process's`,
      ),
    );
  }

  if (v.runtimeInfo.status === 'ok' && v.runtimeInfo.value.js_runtime) {
    files.push(RUNTIME_INFO_FILE);
    const js = v.runtimeInfo.value.js_runtime;
    const min = js.name === 'deno' ? 2 : 20;
    if (Number(js.version.split('.')[0]) < min)
      differs('runtime_version', 'runtime_version', `${js.name} ${js.version} is older than ${min}`);
  }

  const demand = v.spec ? demandOfSpec({ spec: v.spec, path: null, hash: specHash(v.spec) }) : null;
  const status = e.proc_status !== null ? parseStatus(e.proc_status) : null;
  if (!status)
    findings.push(
      note('unchecked', 'no /proc/self/status was captured (not Linux): CPUs and locked memory are unchecked'),
    );
  const allowedText = status?.get('Cpus_allowed_list');
  const allowed = allowedText !== undefined ? parseCpuList(allowedText) : undefined;
  if (status && demand) {
    if (allowed === undefined)
      findings.push(
        note('unchecked', 'Cpus_allowed_list is not in the captured /proc/self/status: CPU headroom is unchecked'),
      );
    else if (allowed.length < demand.totalThreads) {
      const spin = PROFILE_WAIT[profile] === 'spin';
      differs(
        'cpu_headroom',
        'cpu_headroom',
        `${demand.totalThreads} runtime threads on ${allowed.length} allowed CPUs (${compactCpuList(allowed)})` +
          `${spin ? ': spinning threads would starve each other' : ': backoff waits yield, so it runs, more slowly'}`,
      );
      differs(
        'cpu_pinning',
        'cpu_pinning',
        `only ${allowed.length} CPUs are allowed for ${demand.totalThreads} runtime threads, so they cannot ` +
          `each have a CPU`,
      );
    }
  }
  if (demand?.wait && demand.wait !== PROFILE_WAIT[profile])
    differs(
      'wait_strategy',
      'wait_strategy',
      `the spec asks wait=${demand.wait}, the ${profile} profile implies wait=${PROFILE_WAIT[profile]}`,
    );
  if (v.state.status === 'ok' && v.state.value.model === 'lane_graph') {
    const w = v.state.value.runtime.wait;
    if (w.applied !== w.requested)
      differs(
        'wait_strategy',
        'wait_fallback',
        `the runtime asked wait=${w.requested} and applied wait=${w.applied} (spin falls back to backoff when ` +
          `roles outnumber cores)`,
      );
  }
  if (status && REQUIREMENTS.memlock[profile] !== 'none') {
    const locked = statusBytes(status, 'VmLck');
    const rss = statusBytes(status, 'VmRSS');
    const cap = hasCapability(status.get('CapEff'), CAP_IPC_LOCK);
    if (locked === undefined || rss === undefined)
      findings.push(
        note('unchecked', 'VmLck/VmRSS are not in the captured /proc/self/status: memory locking is unchecked'),
      );
    else if (!(locked > 0 && locked >= rss * 0.9))
      differs(
        'memlock',
        'memlock',
        `memory is not locked (VmLck ${locked} of VmRSS ${rss} bytes` +
          `${cap === undefined ? '' : `; CAP_IPC_LOCK ${cap ? 'held' : 'not held'}`})`,
      );
  }
  const notCaptured = (['cpu_isolation', 'rt_scheduling'] as const).filter((i) => REQUIREMENTS[i][profile] !== 'none');
  if (notCaptured.length)
    findings.push(
      note(
        'unchecked',
        `${notCaptured.join(', ')}: not in environment.json; run byteor doctor --profile=${profile} on that host`,
      ),
    );

  const diffs = findings.filter((f) => f.what !== 'unchecked' && f.what !== 'not_the_runtime').length;
  const summary =
    `pid ${e.pid}${allowed ? `, ${allowed.length} allowed CPUs` : ''}` +
    `${demand ? `, ${demand.totalThreads} runtime threads` : ''}; ` +
    `${diffs === 0 ? 'matches' : `${diffs} difference${diffs === 1 ? '' : 's'} from`} the ${profile} tuning contract`;
  return step('environment', files, statusOf(findings), summary, findings);
}
