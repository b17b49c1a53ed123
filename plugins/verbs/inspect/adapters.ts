import type { z } from 'zod';
import { InspectAdapter, type InspectFinding } from '../../../kernel/artifacts/inspect-report.ts';
import type { RuntimeStateDocument } from '../../../kernel/artifacts/runtime-state.ts';
import { anomaly } from './finding.ts';

type Adapter = z.infer<typeof InspectAdapter>;

/** EdgePlane's `adapters` snapshot section (plugins/edgeplane/health.ts); null when the state has none. */
export function adapterEntries(s: RuntimeStateDocument): Adapter[] | null {
  if (!('adapters' in s.sections)) return null;
  const r = InspectAdapter.array().safeParse(s.sections.adapters);
  return r.success ? r.data : null;
}

/** A failed adapter: its connection failed or is reconnecting, or it recorded failures. */
export function adapterFindings(adapters: Adapter[] | null): InspectFinding[] {
  const out: InspectFinding[] = [];
  for (const a of adapters ?? []) {
    const last = a.recent_failures.at(-1);
    const failures = a.recent_failures.length
      ? `; ${a.recent_failures.length} recent failure${a.recent_failures.length === 1 ? '' : 's'}, last: ` +
        `${last!.message}`
      : '';
    if (a.connection_state === 'failed' || a.connection_state === 'reconnecting' || a.recent_failures.length > 0) {
      out.push(
        anomaly(
          'failed_adapter',
          `${a.role} adapter ${a.kind} (${a.endpoint}) is ${a.connection_state} after ${a.message_count} ` +
            `messages${failures}`,
        ),
      );
    }
  }
  return out;
}
