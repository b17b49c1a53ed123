import type { FieldType } from './registry.ts';

/**
 * The schema field types as small integers, for the per-record paths (the decode path in
 * engine.ts and the in-place scan in scan-path.ts compile their rules and fields to these).
 */
export const T_STRING = 0;
export const T_INT = 1;
export const T_FLOAT = 2;
export const T_BOOL = 3;
export const T_BYTES = 4;

export const TYPE_CODE: Record<FieldType, number> = {
  string: T_STRING,
  int: T_INT,
  float: T_FLOAT,
  bool: T_BOOL,
  bytes: T_BYTES,
};
