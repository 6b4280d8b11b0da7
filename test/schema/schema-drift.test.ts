import fs from 'node:fs';
import path from 'node:path';
import { printHubSchema } from '../../src/print-schema.js';

describe('the committed schema', () => {
  it('matches the schema the code builds (run `npm run schema:print` after an API change)', async () => {
    const committed = fs.readFileSync(path.resolve('schema/schema.graphql'), 'utf8');
    expect(await printHubSchema()).toBe(committed);
  });
});
