/**
 * The error codes the kernel (and the `byteor*` bins) raise: each with its exit code and a one-line summary
 * (docs/errors.md is generated from this table by scripts/error-index.mjs). A new code is added
 * here first; errors are built with `KernelErrors.error(code, message, details?)`.
 */
import { defineErrors, type ErrorCodeOf } from './define-errors.ts';
import { ExitCode } from '../exit-codes.ts';

export const KernelErrors = defineErrors('kernel', {
  BYTEOR_E_APPROVAL_BAD_SIGNATURE: {
    exit: ExitCode.POLICY_DENIED,
    summary:
      "the credential's kid is no active key of the trusted key set, or its Ed25519 signature does not verify " +
      '(`details.reason`)',
  },
  BYTEOR_E_APPROVAL_ENVIRONMENT_MISMATCH: {
    exit: ExitCode.POLICY_DENIED,
    summary:
      "the credential's `environment_posture` is not the runtime's environment; get a credential for this environment",
  },
  BYTEOR_E_APPROVAL_EXPIRED: {
    exit: ExitCode.POLICY_DENIED,
    summary: 'the credential has expired (or is issued in the future); get a new one',
  },
  BYTEOR_E_APPROVAL_KEY_SET_INVALID: {
    exit: ExitCode.ARTIFACT_INVALID,
    summary:
      'the key set is unreadable, not JSON, fails its schema, repeats a `kid`, or holds a key that is not 32 bytes',
  },
  BYTEOR_E_APPROVAL_KEY_SET_MISSING: { exit: ExitCode.POLICY_DENIED, summary: 'the key set file does not exist' },
  BYTEOR_E_APPROVAL_MISSING: {
    exit: ExitCode.POLICY_DENIED,
    summary:
      'an approval is required and none was given or found next to the spec; or `--approval` names a file that ' +
      'does not exist (`details.path`)',
  },
  BYTEOR_E_APPROVAL_MISSING_CAPABILITY: {
    exit: ExitCode.POLICY_DENIED,
    summary: 'the credential does not grant a side-effect capability the spec needs (`details.missing`)',
  },
  BYTEOR_E_APPROVAL_PAYLOAD_INVALID: {
    exit: ExitCode.POLICY_DENIED,
    summary: 'a correctly signed v1 payload that fails the v1 schema (`details.field`)',
  },
  BYTEOR_E_APPROVAL_PRIVATE_KEY_INVALID: {
    exit: ExitCode.ARTIFACT_INVALID,
    summary: 'a private key is unreadable or not Ed25519',
  },
  BYTEOR_E_APPROVAL_SIGN_INPUT: {
    exit: ExitCode.USAGE,
    summary: 'signing got a payload that is not a valid v1 approval payload',
  },
  BYTEOR_E_APPROVAL_SPEC_MISMATCH: {
    exit: ExitCode.POLICY_DENIED,
    summary: "the credential's `spec_hash` is not the hash of the spec being run; get a credential for this spec",
  },
  BYTEOR_E_APPROVAL_UNDECODABLE: {
    exit: ExitCode.POLICY_DENIED,
    summary:
      'the credential is not `<base64url>.<base64url>` with a 64-byte signature and a JSON object payload with ' +
      'a `kid`; ask for a new credential',
  },
  BYTEOR_E_APPROVAL_UNREADABLE: {
    exit: ExitCode.ARTIFACT_INVALID,
    summary: 'the credential file exists but cannot be read',
  },
  BYTEOR_E_APPROVAL_UNSUPPORTED_VERSION: {
    exit: ExitCode.POLICY_DENIED,
    summary: "the credential payload's `v` is not a version this runtime verifies (1)",
  },
  BYTEOR_E_ARTIFACT_WRITE: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'an artifact file could not be written: check that its directory exists and is writable',
  },
  BYTEOR_E_BUNDLE_INVALID: {
    exit: ExitCode.ARTIFACT_INVALID,
    summary: 'an incident bundle (or its archive) is missing, unreadable or fails its manifest; re-export it',
  },
  BYTEOR_E_BUNDLE_SIGNATURE_INVALID: {
    exit: ExitCode.ARTIFACT_INVALID,
    summary: '`manifest.sig` is malformed or does not verify over `manifest.json`; use an untouched copy',
  },
  BYTEOR_E_BUNDLE_SIGNER_UNTRUSTED: {
    exit: ExitCode.POLICY_DENIED,
    summary: 'the bundle is signed by a key that is not an active key of the trusted set',
  },
  BYTEOR_E_BUNDLE_SIGN_KEY: {
    exit: ExitCode.USAGE,
    summary: '`--sign-key` cannot be read; pass the private key PEM written by `byteor approval keygen`',
  },
  BYTEOR_E_BUNDLE_TAMPERED: {
    exit: ExitCode.ARTIFACT_INVALID,
    summary: 'a bundle file changed, is missing, or is not listed in the manifest; use an untouched copy',
  },
  BYTEOR_E_BUNDLE_UNSIGNED: {
    exit: ExitCode.POLICY_DENIED,
    summary: 'the bundle has no `manifest.sig` and `--require-signed` was given',
  },
  BYTEOR_E_CONTROL_BAD_REQUEST: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: '(in a control answer) the request line is not a known op',
  },
  BYTEOR_E_CONTROL_BAD_RESPONSE: {
    exit: ExitCode.ARTIFACT_INVALID,
    summary: "the runtime's answer is not a control response",
  },
  BYTEOR_E_CONTROL_FAILED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: '(in a control answer) the runtime failed to answer an op',
  },
  BYTEOR_E_CONTROL_LISTEN: { exit: ExitCode.HOST_NOT_READY, summary: 'the control socket cannot be created' },
  BYTEOR_E_CORE_INVALID: {
    exit: ExitCode.HOST_NOT_READY,
    summary: '`build/core.wasm` does not compile, or its static data overlaps the region area',
  },
  BYTEOR_E_CORE_MISCOMPILED: {
    exit: ExitCode.HOST_NOT_READY,
    summary: 'the G1 probe failed: WebAssembly was compiled by Liftoff; start node with `--no-liftoff`',
  },
  BYTEOR_E_CORE_MISSING: {
    exit: ExitCode.HOST_NOT_READY,
    summary: '`build/core.wasm` is missing: run `npm run build`',
  },
  BYTEOR_E_COUNTER_LIMIT: { exit: ExitCode.RUNTIME_FAILURE, summary: 'a stage asked for more than 32 counters' },
  BYTEOR_E_DRAIN_TIMEOUT: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'the records accepted were not all out within `--drain-timeout` after a stop',
  },
  BYTEOR_E_EGRESS_FAILED: { exit: ExitCode.RUNTIME_FAILURE, summary: "the egress adapter's `write` failed" },
  BYTEOR_E_INGRESS_AFTER_END: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'an ingress adapter pushed a record after `end()` (a bug in the adapter)',
  },
  BYTEOR_E_INGRESS_FAILED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'the ingress source failed for good (`IngressSink.fail`)',
  },
  BYTEOR_E_INPUT_NOT_FOUND: { exit: ExitCode.USAGE, summary: '`--input` is not an existing file' },
  BYTEOR_E_INPUT_READ: { exit: ExitCode.RUNTIME_FAILURE, summary: 'reading `--input` failed' },
  BYTEOR_E_INTERNAL: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'an error without a code escaped: a bug; report it with the command line',
  },
  BYTEOR_E_JOURNAL_INVALID: { exit: ExitCode.ARTIFACT_INVALID, summary: 'a journal segment is not valid' },
  BYTEOR_E_JOURNAL_UNWRITABLE: {
    exit: ExitCode.HOST_NOT_READY,
    summary: 'the journal directory or a segment cannot be created',
  },
  BYTEOR_E_JOURNAL_WRITE_FAILED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'a journal write failed (disk full, I/O error); the run stopped',
  },
  BYTEOR_E_LAYOUT_INVALID: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'a region could not be carved or initialised (bad geometry, not fresh, out of range)',
  },
  BYTEOR_E_LAYOUT_TOO_LARGE: {
    exit: ExitCode.SPEC_INVALID,
    summary: "the regions need more than the core's 4 GiB memory",
  },
  BYTEOR_E_LG_ROLE_TOO_WIDE: {
    exit: ExitCode.SPEC_INVALID,
    summary: "a router or merge with more lanes than a role's counters block holds (29): split it into a tree of roles",
  },
  BYTEOR_E_NOT_BUILT: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'a bin started but `dist/` is missing: run `npm run build` (or `npm ci`)',
  },
  BYTEOR_E_OUTPUT_UNWRITABLE: { exit: ExitCode.USAGE, summary: '`--output` cannot be opened' },
  BYTEOR_E_OUTPUT_WRITE: { exit: ExitCode.RUNTIME_FAILURE, summary: 'writing the output failed' },
  BYTEOR_E_PLAN_CYCLE: {
    exit: ExitCode.SPEC_INVALID,
    summary: "the plan's connections form a cycle (the message shows it)",
  },
  BYTEOR_E_PLAN_DIRECTION: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a connection starts at an egress or ends at an ingress',
  },
  BYTEOR_E_PLAN_DUPLICATE_CONNECTION: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'two plan nodes are connected more than once',
  },
  BYTEOR_E_PLAN_DUPLICATE_NAME: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'an ingress, egress or stage name of the plan is used twice (they share one namespace)',
  },
  BYTEOR_E_PLAN_EMPTY: { exit: ExitCode.SPEC_INVALID, summary: 'the plan lacks an ingress, a stage or an egress' },
  BYTEOR_E_PLAN_SELF_CONNECTION: { exit: ExitCode.SPEC_INVALID, summary: 'a plan node connects to itself' },
  BYTEOR_E_PLAN_UNCONNECTED: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a plan node lacks an outgoing (ingress, stage) or incoming (stage, egress) connection',
  },
  BYTEOR_E_PLAN_UNKNOWN_NODE: {
    exit: ExitCode.SPEC_INVALID,
    summary: "a connection's `from`/`to` names no node of the plan",
  },
  BYTEOR_E_PLUGIN_API_VERSION: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'the plugin was written for another plugin API version (both named)',
  },
  BYTEOR_E_PLUGIN_DEPENDENCY: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'a plugin named in `dependencies` is not loaded; load it too',
  },
  BYTEOR_E_PLUGIN_DEPENDENCY_CYCLE: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: "the plugins' dependencies form a cycle",
  },
  BYTEOR_E_PLUGIN_DEPENDENCY_VERSION: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: "a loaded plugin's version is outside the range another plugin declares (both versions named)",
  },
  BYTEOR_E_PLUGIN_DUPLICATE: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary:
      'something is registered twice (a stage key, verb, flag, …), or two different plugins share a name; load ' +
      'only one of them',
  },
  BYTEOR_E_PLUGIN_ERROR_CODE_CONFLICT: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary:
      "a plugin's error table gives a code another owner registered a different exit code; use the registered " +
      'exit code or a code of its own',
  },
  BYTEOR_E_PLUGIN_HOOK: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: "a plugin's tap or registered callback failed, or `intercept` was called",
  },
  BYTEOR_E_PLUGIN_IMPORT: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'the module failed to import (syntax error, a throw at module level, a missing dependency)',
  },
  BYTEOR_E_PLUGIN_IMPORT_TIMEOUT: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary:
      'the plugin module did not finish importing within 10 s (`BYTEOR_PLUGIN_IMPORT_TIMEOUT_MS`); fix what its ' +
      'module code waits for',
  },
  BYTEOR_E_PLUGIN_INVALID: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary:
      'the plugin module has no default export made with `definePlugin`, a field of it is malformed, or it ' +
      "declares a verb's flags without `flags({...})`",
  },
  BYTEOR_E_PLUGIN_KERNEL_COPY: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: "the plugin's definition was made with another copy of byteor (both named); import only `byteor/plugin`",
  },
  BYTEOR_E_PLUGIN_LATE_REGISTRATION: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'a registration or tap after `setup` returned',
  },
  BYTEOR_E_PLUGIN_NOT_FOUND: {
    exit: ExitCode.USAGE,
    summary:
      '`--plugin` names no built-in, path or installed package, or one without a usable entry; fix the name or path',
  },
  BYTEOR_E_PLUGIN_SETUP: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: "a plugin's `setup` threw (nothing of the plugin was installed)",
  },
  BYTEOR_E_PLUGIN_SETUP_ASYNC: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: "a plugin's `setup` returned a promise; register synchronously, do async work in hooks",
  },
  BYTEOR_E_PLUGIN_STAGE: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'a stage family without exactly one of `key`/`prefix`, with an empty one, or without `create`',
  },
  BYTEOR_E_PLUGIN_STAGE_NOT_IN_WORKER: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary:
      'a stage family the plugin registers only outside stage workers; register it before `if (host.inWorker) return`',
  },
  BYTEOR_E_PLUGIN_TYPESCRIPT: {
    exit: ExitCode.USAGE,
    summary:
      'a `.ts` plugin on a runtime that imports JavaScript only (the installed CLI on Node 20): build it and ' +
      'load the `.js` or the package',
  },
  BYTEOR_E_POLICY_BAD_ENVIRONMENT: {
    exit: ExitCode.USAGE,
    summary: '`--env` / `BYTEOR_ENV` is not `dev`, `staging` or `prod`',
  },
  BYTEOR_E_POLICY_BAD_SETTING: {
    exit: ExitCode.USAGE,
    summary: '`BYTEOR_SIDE_EFFECTS_POLICY` / `BYTEOR_REPLAY_POLICY` has an unknown value',
  },
  BYTEOR_E_RECORD_TOO_LARGE: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'a record larger than `slot_bytes` was refused at ingress, or a stage set a length beyond it',
  },
  BYTEOR_E_REGION_BAD_GEOMETRY: { exit: ExitCode.RUNTIME_FAILURE, summary: 'a region header is invalid' },
  BYTEOR_E_REGION_BAD_KIND: { exit: ExitCode.RUNTIME_FAILURE, summary: 'a region is of another kind' },
  BYTEOR_E_REGION_BAD_MAGIC: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'a region does not start with the ByteOr magic',
  },
  BYTEOR_E_REGION_BAD_VERSION: { exit: ExitCode.RUNTIME_FAILURE, summary: 'a region has another layout version' },
  BYTEOR_E_REGION_NOT_INITIALIZED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'a region is stuck at `initialized = 1`: recreate it',
  },
  BYTEOR_E_REGION_UNINITIALIZED: { exit: ExitCode.RUNTIME_FAILURE, summary: 'a region was never initialised' },
  BYTEOR_E_RUN_FAILED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'the run failed outside a stage or adapter (an unexpected error while running)',
  },
  BYTEOR_E_RUN_INTERRUPTED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'a second signal stopped the run before it drained',
  },
  BYTEOR_E_RUNDIR_BUSY: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'another live runtime owns the run directory (its lock)',
  },
  BYTEOR_E_RUNDIR_UNSAFE: {
    exit: ExitCode.HOST_NOT_READY,
    summary: 'the run directory belongs to another user, is writable by others or is a symlink (the fallback)',
  },
  BYTEOR_E_RUNDIR_UNWRITABLE: {
    exit: ExitCode.HOST_NOT_READY,
    summary: 'the run directory cannot be created or written',
  },
  BYTEOR_E_RUNTIME_UNREACHABLE: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'no runtime answers on the control socket (callers fall back to the state file)',
  },
  BYTEOR_E_SNAPSHOT_INVALID: {
    exit: ExitCode.ARTIFACT_INVALID,
    summary: "the live runtime's answer fails the snapshot schema",
  },
  BYTEOR_E_SNAPSHOT_UNAVAILABLE: {
    exit: ExitCode.ARTIFACT_INVALID,
    summary: 'no runtime answers and there is no readable state file',
  },
  BYTEOR_E_SPEC_BAD_INDEX: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a list index in a key is not a number without leading zeros',
  },
  BYTEOR_E_SPEC_BAD_VALUE: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a spec value does not have the expected form (the message says what is expected)',
  },
  BYTEOR_E_SPEC_BINARY: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'the spec file contains a NUL byte (binary); refused as a whole',
  },
  BYTEOR_E_SPEC_EMPTY: { exit: ExitCode.SPEC_INVALID, summary: 'the spec file has no `key=value` line at all' },
  BYTEOR_E_SPEC_INDEX_GAP: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'the indices of a spec list do not run 0, 1, 2, ... without gaps',
  },
  BYTEOR_E_SPEC_INVALID: {
    exit: ExitCode.SPEC_INVALID,
    summary:
      'the spec fails validation (the issues are listed), or an executor got a spec it cannot wire; run `byteor ' +
      'validate`',
  },
  BYTEOR_E_SPEC_KV_BAD_KEY: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a spec key is not segments of `[A-Za-z0-9_]` joined by single dots',
  },
  BYTEOR_E_SPEC_KV_DUPLICATE: { exit: ExitCode.SPEC_INVALID, summary: 'a spec key appears twice (both lines named)' },
  BYTEOR_E_SPEC_KV_EMPTY_KEY: { exit: ExitCode.SPEC_INVALID, summary: 'a spec line has an empty key' },
  BYTEOR_E_SPEC_KV_NON_ASCII: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a spec line holds a tab, control character or non-ASCII byte (line and column named)',
  },
  BYTEOR_E_SPEC_KV_NO_EQUALS: { exit: ExitCode.SPEC_INVALID, summary: 'a spec line is not `key=value`' },
  BYTEOR_E_SPEC_KV_TOO_MANY_ERRORS: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'more than 100 line errors in a spec; reporting stopped',
  },
  BYTEOR_E_SPEC_KV_WHITESPACE: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a spec line is only spaces, or a key or value has leading or trailing spaces',
  },
  BYTEOR_E_SPEC_LG_BOUNDARY: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a lane_graph has no ingress or no egress endpoint',
  },
  BYTEOR_E_SPEC_LG_BOUNDARY_KIND: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a lane_graph endpoint is not on an `events` lane',
  },
  BYTEOR_E_SPEC_LG_CAPACITY: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a lane capacity is not a power of two from 2 to 2^24',
  },
  BYTEOR_E_SPEC_LG_CONSUMERS_NOT_FANOUT: {
    exit: ExitCode.SPEC_INVALID,
    summary: '`consumers` is given on a lane that is not `fanout_broadcast`',
  },
  BYTEOR_E_SPEC_LG_CYCLE: { exit: ExitCode.SPEC_INVALID, summary: "the lane_graph's roles and endpoints form a cycle" },
  BYTEOR_E_SPEC_LG_DUPLICATE_NAME: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a lane, endpoint or role name of the lane_graph is used twice',
  },
  BYTEOR_E_SPEC_LG_FANOUT_CONSUMERS: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a `fanout_broadcast` lane lacks `consumers` from 1 to 8',
  },
  BYTEOR_E_SPEC_LG_FEATURE: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a lane_graph feature is not a gated lane kind (`journal`, `sequenced_slots`), or is listed twice',
  },
  BYTEOR_E_SPEC_LG_FEATURE_GATED: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a `journal` / `sequenced_slots` lane needs `lane_graph.features.<j>=<kind>`',
  },
  BYTEOR_E_SPEC_LG_LANE_READERS: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a lane has the wrong number of readers (`consumers` for fanout_broadcast, one otherwise)',
  },
  BYTEOR_E_SPEC_LG_LANE_WRITERS: { exit: ExitCode.SPEC_INVALID, summary: 'a lane does not have exactly one writer' },
  BYTEOR_E_SPEC_LG_NO_STAGES: { exit: ExitCode.SPEC_INVALID, summary: 'the lane_graph has no stage role' },
  BYTEOR_E_SPEC_LG_ROLE_FIELD: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a role has a field its kind does not take (`key` only on stages, `mode` on routers, `policy` on merges)',
  },
  BYTEOR_E_SPEC_LG_ROLE_SHAPE: {
    exit: ExitCode.SPEC_INVALID,
    summary:
      "a lane_graph role does not have its kind's shape (stage 1→1 with a key, router 1→2+, merge 2+→1, bridge " +
      '1→1 across kinds)',
  },
  BYTEOR_E_SPEC_LG_UNKNOWN_LANE: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'an endpoint or role names an undeclared lane',
  },
  BYTEOR_E_SPEC_MISSING_KEY: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a required spec key is missing (the message names it)',
  },
  BYTEOR_E_SPEC_MIXED_FORMS: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a spec gives both the authored chain and explicit stages; write one of them',
  },
  BYTEOR_E_SPEC_NOT_A_LIST: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a spec key that holds a list is written without indices: write KEY.0=…',
  },
  BYTEOR_E_SPEC_NOT_REGULAR: {
    exit: ExitCode.USAGE,
    summary: 'the spec is not a regular file (a FIFO, device, directory); copy it into a file and pass --spec=FILE',
  },
  BYTEOR_E_SPEC_PLUGIN_LOAD: {
    exit: ExitCode.SPEC_INVALID,
    summary: "a plugin named by the spec's `plugins` could not be loaded (the line and the loader's message are named)",
  },
  BYTEOR_E_SPEC_SLOT_BYTES: { exit: ExitCode.SPEC_INVALID, summary: '`slot_bytes` is not from 1 to 1048576' },
  BYTEOR_E_SPEC_SR_CAPACITY: {
    exit: ExitCode.SPEC_INVALID,
    summary: '`single_ring.capacity` is not a power of two from 2 to 16777216',
  },
  BYTEOR_E_SPEC_SR_DEPENDS_ORDER: {
    exit: ExitCode.SPEC_INVALID,
    summary: "a stage's `depends_on` is not strictly increasing and duplicate-free",
  },
  BYTEOR_E_SPEC_SR_FORWARD_DEPENDENCY: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a dependency names a later stage: list stages in topological order',
  },
  BYTEOR_E_SPEC_SR_IMPLICIT_DEPENDENCY: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a stage other than stage 0 without `depends_on` must be `identity`; declare its dependencies',
  },
  BYTEOR_E_SPEC_SR_MEMORY: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'shards × capacity × (slot_bytes + 8) is more than 1 GiB',
  },
  BYTEOR_E_SPEC_SR_NO_STAGES: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a single_ring spec has no stage; add single_ring.stages.0.key=KEY',
  },
  BYTEOR_E_SPEC_SR_ORDERING: {
    exit: ExitCode.SPEC_INVALID,
    summary: '`ordering=strict` is not compatible with shards>1 in v1',
  },
  BYTEOR_E_SPEC_SR_PRODUCER: { exit: ExitCode.SPEC_INVALID, summary: '`producer=mpmc` is not supported in v1' },
  BYTEOR_E_SPEC_SR_SCHEDULING: {
    exit: ExitCode.SPEC_INVALID,
    summary: '`scheduling=work_queue` is not supported in v1',
  },
  BYTEOR_E_SPEC_SR_SELF_DEPENDENCY: { exit: ExitCode.SPEC_INVALID, summary: 'a stage depends on itself' },
  BYTEOR_E_SPEC_SR_SHARDS: { exit: ExitCode.SPEC_INVALID, summary: '`single_ring.shards` is below 1' },
  BYTEOR_E_SPEC_SR_SHARDS_MAX: { exit: ExitCode.SPEC_INVALID, summary: '`single_ring.shards` is above 64' },
  BYTEOR_E_SPEC_SR_SHARD_KEY: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'the shard key is not one of the supported forms',
  },
  BYTEOR_E_SPEC_SR_TOO_MANY_STAGES: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a single_ring has more than 4 stages per ring',
  },
  BYTEOR_E_SPEC_SR_UNJOINED_STAGE: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a stage is not a (transitive) dependency of the final stage, which releases each slot',
  },
  BYTEOR_E_SPEC_SR_UNKNOWN_DEPENDENCY: { exit: ExitCode.SPEC_INVALID, summary: 'a dependency names no existing stage' },
  BYTEOR_E_SPEC_STAGE_CHECK: {
    exit: ExitCode.SPEC_INVALID,
    summary: "a stage's family refuses the spec's settings for it (the family's reason is named)",
  },
  BYTEOR_E_SPEC_TOO_LARGE: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'the spec file is larger than 1 MiB (`MAX_SPEC_BYTES`); is it the right file?',
  },
  BYTEOR_E_SPEC_UNENCODABLE: {
    exit: ExitCode.SPEC_INVALID,
    summary:
      'a value cannot be written as spec.kv (values are non-empty printable ASCII without leading or trailing spaces)',
  },
  BYTEOR_E_SPEC_UNKNOWN_STAGE: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'no loaded plugin provides the stage key; load the plugin that does (`--plugin=NAME`)',
  },
  BYTEOR_E_SPEC_UNREADABLE: { exit: ExitCode.USAGE, summary: 'the spec file cannot be read; pass --spec=PATH' },
  BYTEOR_E_SPEC_VERSION: {
    exit: ExitCode.SPEC_INVALID,
    summary: '`spec.version` is missing or not a version this runtime reads',
  },
  BYTEOR_E_STAGE_CRASHED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'a stage or role worker crashed or exited before it finished',
  },
  BYTEOR_E_STAGE_FAILED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'a stage handler threw (stop_pipeline), unless its ByteorError carries a code of its own',
  },
  BYTEOR_E_STAGE_UNKNOWN: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'no loaded plugin provides a stage key; load it with --plugin=NAME',
  },
  BYTEOR_E_STAGE_UNSUPPORTED: {
    exit: ExitCode.SPEC_INVALID,
    summary: '`compatibility`: a stage key is unknown or refused by its family (each key named with what to do)',
  },
  BYTEOR_E_STATE_INVALID: { exit: ExitCode.ARTIFACT_INVALID, summary: 'the state file fails the snapshot schema' },
  BYTEOR_E_STATE_UNREADABLE: { exit: ExitCode.ARTIFACT_INVALID, summary: 'the state file cannot be read' },
  BYTEOR_E_USAGE_BAD_ACTION: {
    exit: ExitCode.USAGE,
    summary: 'a verb with sub-actions (`approval`, `plugin`) got none or an unknown one',
  },
  BYTEOR_E_USAGE_BAD_ENV: {
    exit: ExitCode.USAGE,
    summary:
      '`BYTEOR_PLUGIN_IMPORT_TIMEOUT_MS` is not a whole number of milliseconds (1 to 2147483647); unset or fix it',
  },
  BYTEOR_E_USAGE_BAD_FLAG: {
    exit: ExitCode.USAGE,
    summary:
      "unknown flag, missing value or a value that fails the verb's schema; the message names the flag; see " +
      '`byteor <verb> --help`',
  },
  BYTEOR_E_USAGE_UNKNOWN_VERB: {
    exit: ExitCode.USAGE,
    summary:
      'no loaded plugin provides that verb: check `byteor --help`, or load the plugin that does (`--plugin=NAME`)',
  },
});

export type KernelErrorCode = ErrorCodeOf<typeof KernelErrors>;
