// An index plugin entry, for samples that only import it (docs/writing-plugins.md shows one).
import type { IndexPluginSpec, VecdexPlugin } from '@vecdex/core';

declare const plugin: VecdexPlugin<IndexPluginSpec>;
export default plugin;
