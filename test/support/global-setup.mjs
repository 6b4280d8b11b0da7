// Jest loads global setup outside its module system, so TypeScript goes through
// swc-node's ESM loader hook here (as `npm run dev` does).
import '@swc-node/register/esm-register';

export default async function globalSetup() {
  const { default: prepare } = await import('./prepare-database.ts');
  await prepare();
}
