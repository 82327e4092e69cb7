import type { BackendCapabilities } from '../contracts/backend-capabilities.js';
import { errors } from '../errors/error-factories.js';
import type { CollectionSpec } from '../model/collection.js';
import { isMetric, METRICS } from '../model/metric.js';
import { validateName } from './validate-name.js';

/** Validate a collection spec against the name rule and what the backend can store. */
export function validateCollectionSpec(spec: unknown, caps: BackendCapabilities, backend: string): Required<CollectionSpec> {
  if (typeof spec !== 'object' || spec === null)
    throw errors.invalidArgument('collection spec', 'an object {name, dimensions, metric}', spec);
  const s = spec as Record<string, unknown>;
  const name = validateName('collection', s.name);
  const dims = s.dimensions;
  if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1 || dims > caps.maxDimensions) {
    throw errors.invalidArgument('dimensions', `an integer from 1 to ${caps.maxDimensions} (backend "${backend}")`, dims);
  }
  const metric = s.metric ?? 'cosine';
  if (!isMetric(metric)) throw errors.unsupportedMetric(metric, METRICS);
  if (!caps.metrics.includes(metric)) throw errors.unsupportedMetric(metric, caps.metrics, backend);
  const model = s.model ?? null;
  if (model !== null && (typeof model !== 'string' || model.length === 0 || model.length > 256)) {
    throw errors.invalidArgument('model', 'a non-empty string of at most 256 characters', model);
  }
  return { name, dimensions: dims, metric, model };
}
