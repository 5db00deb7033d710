/** `npm run tools:install`: make sure the pinned Temporal binaries are present (CI runs this first). */
import { ensureTool, TEMPORAL_CLI, TEMPORAL_TEST_SERVER } from '../dev/temporal-tools';

for (const tool of [TEMPORAL_CLI, TEMPORAL_TEST_SERVER]) {
  console.log(`${tool.binary}: ${ensureTool(tool)}`);
}
