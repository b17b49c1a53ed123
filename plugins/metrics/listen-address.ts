import { z } from 'zod';

/**
 * `HOST:PORT` as `--metrics` takes it: a host name, an IPv4 address or a bracketed IPv6 address
 * (`[::1]:9464`), and a port 0–65535 (0: any free port; the bound one is printed).
 */
export const ListenAddress = z.string().transform((s, ctx) => {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    ctx.addIssue({ code: 'custom', message: 'must be HOST:PORT, e.g. 127.0.0.1:9464, [::1]:9464 or 0.0.0.0:0' });
    return z.NEVER;
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
});
export type ListenAddress = z.output<typeof ListenAddress>;

/** The URL form of a bound address (IPv6 bracketed). */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
