import type { Diagnostic } from './model.ts';

/**
 * One diagnostic as a human line, compiler style: `PATH:LINE: error[CODE]: message`
 * (the path and line are left out when unknown).
 */
export function formatDiagnostic(d: Diagnostic, severity: 'error' | 'warning' | 'note', path?: string | null): string {
  const where = path
    ? d.line !== undefined
      ? `${path}:${d.line}: `
      : `${path}: `
    : d.line !== undefined
      ? `line ${d.line}: `
      : '';
  return `${where}${severity}[${d.code}]: ${d.message}`;
}
