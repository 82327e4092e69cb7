import { VecdexError } from '@vecdex/core';
import type { PgVectorType } from '../native-access.js';
import type { HnswNativeParams, IvfflatNativeParams, NativeMethod, NativeParams } from './native-params.js';

const MiB = 1024 * 1024;
/** Never ask for less than this (PostgreSQL's default is 64 MB). */
const FLOOR_MB = 64;
/** Head room over the estimate. */
const MARGIN = 1.15;

/**
 * Bytes pgvector 0.8's in-memory HNSW build uses per row: the vector (4 bytes a dimension, 2 for
 * halfvec), neighbour lists of about 32 bytes per unit of `m` (2m candidates of 16 bytes on
 * layer 0, plus the upper layers), and ~270 bytes of element header. Fitted to the row count at
 * which pgvector 0.8.0 reported "hnsw graph no longer fits into maintenance_work_mem" here
 * (2 MB: 1,624 rows at 128 dims m 16, 536 at 784 dims, 1,166 at 128 dims m 32, 2,488 at 16 dims;
 * the formula matches each within 1%).
 */
export function hnswBytesPerRow(dimensions: number, vectorType: PgVectorType, m: number): number {
  return (vectorType === 'halfvec' ? 2 : 4) * dimensions + 32 * m + 270;
}

/** IVFFlat's k-means keeps a sample of 50 rows per list plus the centers (pgvector's ivfbuild.c). */
export function ivfflatBytes(dimensions: number, vectorType: PgVectorType, lists: number, rows: number): number {
  const vector = (vectorType === 'halfvec' ? 2 : 4) * dimensions + 8;
  return (Math.min(rows, lists * 50) + 2 * lists) * (vector + 16);
}

export interface BuildMemory {
  /** What the build gets, in MiB. */
  maintenanceWorkMemMB: number;
  /** Estimated need, in MiB. */
  estimateMB: number;
  /** A NOTICE-like warning when the estimate exceeds what the build gets (an explicit, too small setting). */
  warning: string | null;
}

/**
 * `maintenance_work_mem` for a build over `rows` rows. Auto (`maintenanceWorkMemMB: null`): the
 * estimate plus 15 %, at least 64 MB (or the cap when lower); an estimate above `maxMaintenanceWorkMemMB` is refused
 * before anything runs, because pgvector would fall back to inserting into the on-disk graph
 * ("significantly more time": hours instead of minutes). An explicit `maintenanceWorkMemMB` is
 * used as given, with a warning when the estimate does not fit.
 */
export function planBuildMemory(
  method: NativeMethod,
  params: NativeParams,
  rows: number,
  dimensions: number,
  vectorType: PgVectorType,
  lists: number | null,
  index: string,
): BuildMemory {
  const bytes =
    method === 'hnsw'
      ? rows * hnswBytesPerRow(dimensions, vectorType, (params as HnswNativeParams).m)
      : ivfflatBytes(dimensions, vectorType, lists ?? 1, rows);
  const estimateMB = Math.ceil(bytes / MiB);
  const needed = Math.ceil((bytes * MARGIN) / MiB);
  const given = (params as HnswNativeParams | IvfflatNativeParams).maintenanceWorkMemMB;
  if (given !== null) {
    const warning =
      estimateMB > given
        ? `${index}: the ${method} build of ${rows} rows needs about ${estimateMB} MB but maintenanceWorkMemMB is ${given}: pgvector will switch to a far slower on-disk build once the graph outgrows it; raise maintenanceWorkMemMB (server memory permitting) or leave it unset to size it automatically`
        : null;
    return { maintenanceWorkMemMB: given, estimateMB, warning };
  }
  const cap = params.maxMaintenanceWorkMemMB;
  if (needed > cap) {
    throw new VecdexError(
      'INVALID_ARGUMENT',
      `${index}: the ${method} build of ${rows} rows × ${dimensions} dims needs about ${estimateMB} MB of maintenance_work_mem, more than maxMaintenanceWorkMemMB (${cap}); outside memory pgvector builds far slower (hours instead of minutes). Raise maxMaintenanceWorkMemMB if the server has the memory, set maintenanceWorkMemMB explicitly to accept a slow build, or lower m`,
      { details: { index, rows, estimateMB, maxMaintenanceWorkMemMB: cap, reason: 'build-does-not-fit' } },
    );
  }
  return { maintenanceWorkMemMB: Math.max(Math.min(FLOOR_MB, cap), needed), estimateMB, warning: null };
}
