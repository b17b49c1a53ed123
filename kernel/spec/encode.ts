import { formatKv } from './kv.ts';
import { PipelineSpecV1 } from './model.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

/**
 * Canonical spec.kv encoding of an explicit spec (ByteOr's `encode_kv_v1`). The canonical
 * text is the spec's identity (its hash is `hash.ts`): one `key=value` per line, LF line ends,
 * a trailing newline, no comments, every default stated, keys in canonical order:
 *
 *   spec.version, spec.model, spec.name, plugins.<i>,
 *   then the model's fields in the order of the zod model (kernel/spec/model.ts), list
 *   elements in index order and each element's fields in model order.
 *
 * Optional fields are written only when present (`lanes.<i>.consumers`, `roles.<i>.key`,
 * `.mode`, `.policy`); `roles.<i>.inserted` only when true. docs/spec-kv.md lists the order.
 */

type Line = { key: string; value: string };

const PRINTABLE = /^[\x20-\x7e]*$/;

export function specToEntries(input: PipelineSpecV1): Line[] {
  const spec = PipelineSpecV1.parse(input);
  const out: Line[] = [];
  const put = (key: string, value: string | number | boolean) => {
    const v = String(value);
    if (!PRINTABLE.test(v) || v !== v.trim() || v.length === 0) {
      throw KernelErrors.error(
        'BYTEOR_E_SPEC_UNENCODABLE',
        `cannot encode ${key}=${JSON.stringify(v)}: spec.kv values are non-empty printable ASCII without ` +
          `leading or trailing spaces`,
        { key },
      );
    }
    out.push({ key, value: v });
  };
  put('spec.version', spec.version);
  put('spec.model', spec.model);
  put('spec.name', spec.name);
  (spec.plugins ?? []).forEach((p, i) => put(`plugins.${i}`, p));

  if (spec.model === 'single_ring') {
    const r = spec.single_ring;
    const p = 'single_ring';
    put(`${p}.shards`, r.shards);
    put(`${p}.ordering`, r.ordering);
    put(`${p}.producer`, r.producer);
    put(`${p}.scheduling`, r.scheduling);
    put(`${p}.shard_key`, r.shard_key);
    put(`${p}.capacity`, r.capacity);
    put(`${p}.slot_bytes`, r.slot_bytes);
    put(`${p}.wait`, r.wait);
    put(`${p}.stage_failure_policy`, r.stage_failure_policy);
    r.stages.forEach((s, i) => {
      put(`${p}.stages.${i}.key`, s.key);
      s.depends_on.forEach((d, j) => put(`${p}.stages.${i}.depends_on.${j}`, d));
    });
  } else {
    const g = spec.lane_graph;
    const p = 'lane_graph';
    put(`${p}.on_full`, g.on_full);
    put(`${p}.wait`, g.wait);
    put(`${p}.slot_bytes`, g.slot_bytes);
    g.features.forEach((f, j) => put(`${p}.features.${j}`, f));
    g.lanes.forEach((l, i) => {
      const lp = `${p}.lanes.${i}`;
      put(`${lp}.name`, l.name);
      put(`${lp}.kind`, l.kind);
      put(`${lp}.capacity`, l.capacity);
      if (l.consumers !== undefined) put(`${lp}.consumers`, l.consumers);
    });
    g.endpoints.forEach((e, i) => {
      const ep = `${p}.endpoints.${i}`;
      put(`${ep}.name`, e.name);
      put(`${ep}.kind`, e.kind);
      put(`${ep}.lane`, e.lane);
    });
    g.roles.forEach((r, i) => {
      const rp = `${p}.roles.${i}`;
      put(`${rp}.name`, r.name);
      put(`${rp}.kind`, r.kind);
      if (r.key !== undefined) put(`${rp}.key`, r.key);
      r.inputs.forEach((x, j) => put(`${rp}.inputs.${j}`, x));
      r.outputs.forEach((x, j) => put(`${rp}.outputs.${j}`, x));
      if (r.mode !== undefined) put(`${rp}.mode`, r.mode);
      if (r.policy !== undefined) put(`${rp}.policy`, r.policy);
      if (r.inserted) put(`${rp}.inserted`, true);
    });
  }
  return out;
}

/** The canonical spec.kv text of an explicit spec. */
export function encodeSpec(spec: PipelineSpecV1): string {
  return formatKv(specToEntries(spec));
}
