import { matcherFromCatalogueFiles } from '../seeds/catalog.matcher.js';
const m = matcherFromCatalogueFiles();
for (const n of process.argv.slice(2)) { const o = m.match(n); console.log(n, '->', o.match?.productCode ?? '-', o.match?.evidence ?? o.suggestion?.evidence ?? ''); }
