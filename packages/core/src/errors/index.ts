export * from './vecdex-error.js';
export * from './error-factories.js';
