import { resolveStateDir } from '../../src/core/state-dir.js';
import { StoreModelLocator } from '../../src/store/model-locator.js';

/** The store's model locator over a test's own state directory (model paths in test Plans resolve as files). */
export function testModelLocator(opsHome: string): StoreModelLocator {
  return new StoreModelLocator(resolveStateDir({ OPS_HOME: opsHome }));
}
