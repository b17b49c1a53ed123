import type { AdapterHealth } from '../../kernel/plugin-contract.ts';
import { AdaptersSectionSchema, type AdapterEntry } from './health.ts';

/**
 * The adapter bindings this process created (one ingress and one egress per run): what the
 * `adapters` snapshot section reports. The latest binding of each role replaces the previous one,
 * and a closed binding stays visible (state `closed`) so a snapshot taken at the end of a run
 * still shows its counts.
 */
export interface LiveBinding {
  readonly role: 'ingress' | 'egress';
  readonly kind: string;
  /** where it connects or listens, credentials removed */
  endpoint(): string;
  health(): AdapterHealth;
}

const live = new Map<'ingress' | 'egress', LiveBinding>();

export function track<B extends LiveBinding>(binding: B): B {
  live.set(binding.role, binding);
  return binding;
}

export function collectAdapters(): AdapterEntry[] {
  const out: AdapterEntry[] = [];
  for (const role of ['ingress', 'egress'] as const) {
    const b = live.get(role);
    if (b) out.push({ role, kind: b.kind, endpoint: b.endpoint(), ...b.health() });
  }
  return AdaptersSectionSchema.parse(out);
}
