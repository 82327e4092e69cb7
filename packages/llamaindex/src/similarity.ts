import type { Metric } from '@vecdex/core';

/**
 * A vecdex distance as the similarity LlamaIndex expects (higher is closer): for cosine the
 * cosine similarity `1 - distance` (what SimpleVectorStore reports), for ip the inner product,
 * for l2 and l1 `1 / (1 + distance)`.
 */
export function similarityOf(distance: number, metric: Metric): number {
  switch (metric) {
    case 'cosine':
      return 1 - distance;
    case 'ip':
      return -distance;
    default:
      return 1 / (1 + distance);
  }
}
