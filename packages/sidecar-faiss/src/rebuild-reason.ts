import type { FaissParams } from './faiss-params.js';
import type { FaissState } from './faiss-index.js';
import { automaticFactory, describeFactory } from './index-plan.js';

/**
 * Why the next sync should rebuild (and retrain) instead of applying changes, or null:
 * - tombstones passed `compactThreshold` of the entries;
 * - a stand-in `Flat` (too few vectors to train the wanted index) now has enough;
 * - an index trained on n vectors now holds more than `retrainGrowth`·n: its centroids and
 *   codebooks describe a much smaller sample than the data it partitions;
 * - an automatic choice built as `Flat` has grown past `flatBelow`.
 */
export function needsRebuild(state: FaissState, params: FaissParams): string | null {
  const { labels, plan, trainedCount } = state;
  const { live, free: tombstones, slots } = labels;
  if (tombstones > 0 && tombstones / slots > params.compactThreshold) {
    return `compaction: ${tombstones} of ${slots} entries are removed (tombstones), more than compactThreshold ${params.compactThreshold}`;
  }
  if (plan.note !== null && live >= describeFactory(plan.wanted).minTrain) {
    return `retrain: ${live} vectors are enough to train ${plan.wanted} (built as Flat while there were too few)`;
  }
  if (trainedCount > 0 && live > params.retrainGrowth * trainedCount) {
    return `retrain: ${plan.factory} was trained on ${trainedCount} vectors and now holds ${live} (more than ${params.retrainGrowth}×)`;
  }
  if (
    params.factory === null &&
    plan.nlist === null &&
    !automaticFactory(params, live).startsWith(plan.factory.split(',')[0] as string)
  ) {
    return `retrain: ${live} vectors reached flatBelow ${params.flatBelow}; the automatic choice is now ${automaticFactory(params, live)}`;
  }
  return null;
}
