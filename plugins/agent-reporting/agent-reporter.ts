import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeJsonArtifact } from '../../kernel/artifacts/json.ts';
import type { RuntimeStateDocument } from '../../kernel/artifacts/runtime-state.ts';
import { SigningKeySet } from '../../kernel/artifacts/signing-key-set.ts';
import { KEY_SET_FILE } from '../../kernel/approval/material.ts';
import { trustedKeySet } from '../../kernel/approval/key-set.ts';
import { ByteorError } from '../../kernel/errors.ts';
import { captureSnapshot } from '../../kernel/snapshot/capture.ts';
import { packageVersion } from '../../kernel/version.ts';
import { AgentHeartbeat, AgentSnapshot, agentPaths } from './agent-api.ts';
import type { AgentConfig } from './agent-config.ts';
import { retryDelay } from './backoff.ts';

/**
 * Publishes a runtime's heartbeats and snapshots to the control plane and refreshes the approval
 * signing key set from it (agent-api.ts), each on its own timer on the main thread's event loop:
 * the pipeline never waits for it. A report that fails is dropped, not queued (the next one
 * carries the newer state), and the next try backs off with jitter (backoff.ts); nothing the
 * control plane does — down, slow (5 s timeout per request), refusing the key — stops or slows
 * the runtime. Each problem is said once on stderr (with its code), and its end too; neither
 * ever carries the key, which lives only in this object's request headers.
 */
const REQUEST_TIMEOUT_MS = 5000;
const FINAL_REPORT_MS = 1000;
const SNAPSHOT_TIMEOUT_MS = 2000;

class AgentHttpError extends Error {
  constructor(
    readonly status: number,
    what: string,
  ) {
    super(`${what} answered HTTP ${status}`);
  }
}

type Task = 'heartbeats' | 'snapshots' | 'signing-keys';

export class AgentReporter {
  private readonly abort = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly problems = new Map<Task, string>();
  private stopped = false;
  private heartbeatSeq = 0;
  private snapshotSeq = 0;
  private keysEtag: string | null = null;
  private readonly paths: ReturnType<typeof agentPaths>;

  constructor(
    private readonly cfg: AgentConfig,
    private readonly runDir: string,
    private readonly log: (line: string) => void,
  ) {
    this.paths = agentPaths(cfg.agentId);
  }

  start(): void {
    this.loop('heartbeats', this.cfg.heartbeatMs, () => this.heartbeat());
    this.loop('snapshots', this.cfg.snapshotMs, () => this.snapshot());
    this.loop('signing-keys', this.cfg.keysMs, () => this.refreshKeys());
  }

  /** Stop the timers; send a last heartbeat and snapshot (the final state), waiting at most 1 s. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    let timer: NodeJS.Timeout | undefined;
    const final = Promise.allSettled([this.heartbeat(), this.snapshot()]);
    await Promise.race([
      final,
      new Promise((r) => {
        timer = setTimeout(r, FINAL_REPORT_MS);
      }),
    ]);
    clearTimeout(timer);
    this.abort.abort();
  }

  private loop(task: Task, intervalMs: number, run: () => Promise<void>): void {
    let failures = 0;
    const tick = async () => {
      if (this.stopped) return;
      try {
        await run();
        failures = 0;
        this.ok(task);
      } catch (e) {
        failures++;
        this.problem(task, e);
      }
      schedule(retryDelay(intervalMs, failures, this.cfg.backoffMaxMs));
    };
    const schedule = (ms: number) => {
      if (this.stopped) return;
      const t = setTimeout(() => {
        this.timers.delete(t);
        void tick();
      }, ms);
      t.unref();
      this.timers.add(t);
    };
    schedule(0);
  }

  private ok(task: Task): void {
    if (!this.problems.has(task)) return;
    this.problems.delete(task);
    this.log(`agent reporting: ${task} reach the control plane again\n`);
  }

  private problem(task: Task, e: unknown): void {
    let line: string;
    if (e instanceof ByteorError) {
      line =
        `warning[${e.code}]: ${task}: ${e.message}; the runtime goes on` +
        `${task === 'signing-keys' ? ' with the signing key set it has' : ''}`;
    } else if (e instanceof AgentHttpError && (e.status === 401 || e.status === 403)) {
      line =
        `warning[BYTEOR_E_AGENT_UNAUTHORIZED]: the control plane refused agent ${this.cfg.agentId}'s key (HTTP ` +
        `${e.status}) for ${task}; check BYTEOR_AGENT_API_KEY (the runtime goes on, retrying with backoff)`;
    } else if (e instanceof AgentHttpError && e.status < 500 && e.status !== 429) {
      line =
        `warning[BYTEOR_E_AGENT_REJECTED]: ${e.message}; check BYTEOR_API_BASE_URL and BYTEOR_AGENT_ID (the ` +
        `runtime goes on, retrying with backoff)`;
    } else {
      const why = e instanceof AgentHttpError ? `HTTP ${e.status}` : errorCode(e);
      line =
        `warning[BYTEOR_E_AGENT_UNREACHABLE]: ${task} cannot reach the control plane at ${this.cfg.baseUrl} (` +
        `${why}); the runtime goes on, retrying with backoff`;
    }
    if (this.problems.get(task) === line) return;
    this.problems.set(task, line);
    this.log(`${line}\n`);
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const res = await fetch(`${this.cfg.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.cfg.apiKey}`,
        'user-agent': `byteor/${packageVersion()}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      redirect: 'error', // a redirect could carry the bearer token to another host
    });
    if (res.status >= 300 && res.status !== 304) {
      await res.body?.cancel().catch(() => {});
      throw new AgentHttpError(res.status, `${method} ${path}`);
    }
    return res;
  }

  private async document(): Promise<RuntimeStateDocument> {
    return (await captureSnapshot(this.runDir, { timeoutMs: SNAPSHOT_TIMEOUT_MS })).snapshot;
  }

  private async heartbeat(): Promise<void> {
    const d = await this.document();
    const body = AgentHeartbeat.parse({
      heartbeat_v: 1,
      agent_id: this.cfg.agentId,
      sequence: ++this.heartbeatSeq,
      sent_unix_ms: Date.now(),
      byteor_version: packageVersion(),
      hostname: hostname(),
      model: d.model,
      spec_name: d.spec_name,
      spec_hash: d.spec_hash,
      pid: d.runtime.pid,
      run_dir: d.runtime.run_dir,
      started_unix_ms: d.runtime.started_unix_ms,
      state: d.runtime.state,
      source: d.source,
      records: d.records,
      stalled: d.stalled.length,
      error: d.error,
    });
    const res = await this.request('POST', this.paths.heartbeats, body);
    await res.body?.cancel().catch(() => {});
  }

  private async snapshot(): Promise<void> {
    const body = AgentSnapshot.parse({
      snapshot_report_v: 1,
      agent_id: this.cfg.agentId,
      sequence: ++this.snapshotSeq,
      sent_unix_ms: Date.now(),
      document: await this.document(),
    });
    const res = await this.request('POST', this.paths.snapshots, body);
    await res.body?.cancel().catch(() => {});
  }

  /** GET the key set; a valid one replaces `<run dir>/signing_keys.json` (an invalid one is refused, the file kept). */
  private async refreshKeys(): Promise<void> {
    const res = await this.request(
      'GET',
      this.paths.signingKeys,
      undefined,
      this.keysEtag ? { 'if-none-match': this.keysEtag } : {},
    );
    if (res.status === 304) return;
    let doc: unknown;
    try {
      doc = await res.json();
    } catch {
      throw new AgentHttpError(res.status, `GET ${this.paths.signingKeys} (not JSON)`);
    }
    const set = trustedKeySet(doc, `${this.cfg.baseUrl}${this.paths.signingKeys}`); // BYTEOR_E_APPROVAL_KEY_SET_INVALID
    const path = join(this.runDir, KEY_SET_FILE);
    writeJsonArtifact(path, SigningKeySet, { keys: [...set.keys] });
    const first = this.keysEtag === null;
    this.keysEtag = res.headers.get('etag');
    if (first) this.log(`agent reporting: signing key set (${set.active.size} active) written to ${path}\n`);
  }
}

function errorCode(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS} ms`;
  const own = (e as { code?: unknown }).code;
  const cause = (e as { cause?: { code?: unknown } }).cause?.code;
  return typeof cause === 'string' ? cause : typeof own === 'string' ? own : e.message;
}
