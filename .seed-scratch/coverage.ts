import { readFileSync } from 'node:fs';
import { PRODUCTS } from '../seeds/catalog.data.js';
const names: [string, string, string][] = [];
for (const p of PRODUCTS) {
  for (const n of [p.name, ...(p.aliases ?? [])]) names.push([n, p.code, '']);
  for (const [v, ...a] of p.varieties ?? []) for (const n of [v, ...a]) names.push([n, p.code, v]);
}
names.sort((a, b) => b[0].length - a[0].length);
// duplicates check
const seen = new Map<string, string>();
for (const p of PRODUCTS) for (const n of [p.name, ...(p.aliases ?? [])]) { if (seen.has(n)) console.log('DUP product name/alias', n, seen.get(n), p.code); seen.set(n, p.code); }
const lines = readFileSync('/work/shared/data/xinfadi-fruit-prices-2013-2016.csv', 'utf8').split('\n').slice(1).filter(Boolean);
const counts = new Map<string, number>();
for (const l of lines) { const n = l.split(',')[0].replace(/^\uFEFF/, ''); counts.set(n, (counts.get(n) ?? 0) + 1); }
let matched = 0, total = 0, withVariety = 0;
const unmatched: [string, number][] = [];
const noVariety: [string, number][] = [];
for (const [n, c] of counts) {
  total += c;
  const hit = names.find(([k]) => n.includes(k));
  if (hit) { matched += c; const vh = names.find(([k, , v]) => v && n.includes(k)); if (vh) withVariety += c; else noVariety.push([n, c]); }
  else unmatched.push([n, c]);
}
console.log('rows matched', matched, '/', total, (100 * matched / total).toFixed(1) + '%', 'with variety', withVariety);
console.log('distinct', counts.size, 'unmatched', unmatched.length);
console.log('unmatched', unmatched.sort((a, b) => b[1] - a[1]).slice(0, 40).map(x => x.join(':')).join(' '));
console.log('product only', noVariety.sort((a, b) => b[1] - a[1]).slice(0, 40).map(x => x.join(':')).join(' '));
