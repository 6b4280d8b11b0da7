/** Writes the printed SDL to schema/schema.graphql (run after changing the API). */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { printHubSchema } from '../src/print-schema.js';

const file = path.resolve(import.meta.dirname, '../schema/schema.graphql');
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, await printHubSchema());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
