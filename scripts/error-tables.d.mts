// Types of scripts/error-tables.mjs for TypeScript callers (test/kernel/error-tables.test.ts).
import type { ErrorEntry } from '../kernel/errors/define-errors.ts';

export interface LoadedErrorTable {
  /** the module, relative to the repository root */
  file: string;
  /** its export */
  name: string;
  owner: string;
  entries: Readonly<Record<string, ErrorEntry>>;
}
export const root: string;
export const SOURCE_DIRS: readonly string[];
export function files(dir: string, exts: readonly string[]): string[];
export function tableFiles(): string[];
export function loadErrorTables(): Promise<LoadedErrorTable[]>;
export function codeMentions(tables: readonly LoadedErrorTable[]): Map<string, Set<string>>;
