import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The project folder (where package.json is), found by walking up from this
 * module, so that files outside the code (schema/, dashboard builds) resolve
 * the same from src/ (tests, `npm run dev`) and from dist/src/ (`npm start`).
 */
export function projectRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  // dist/ has no package.json, so the walk ends at the project folder either way.
  root = dir;
  return root;
}

/** A path inside the project folder. */
export function projectPath(...segments: string[]): string {
  return path.join(projectRoot(), ...segments);
}
