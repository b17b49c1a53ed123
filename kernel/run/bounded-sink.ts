import type { IngressSink } from '../plugin-contract.ts';

/**
 * The executor's sink, stopping the source after `max` records (`run --adapter-max-messages`):
 * the record that reaches the limit ends the input (`onLimit` closes the source); one pushed
 * after it is not consumed (a source with acks keeps it). Without a limit the sink itself.
 */
export function boundedSink(inner: IngressSink, max: number | undefined, onLimit: () => void): IngressSink {
  if (max === undefined) return inner;
  let n = 0;
  return {
    push(record, token) {
      if (n >= max) return;
      n++;
      const p = inner.push(record, token);
      if (n === max) {
        onLimit();
        if (p) return p.then(() => inner.end());
        inner.end();
      }
      return p;
    },
    end: () => inner.end(),
    fail: (e) => (inner.fail ? inner.fail(e) : inner.end()),
  };
}
