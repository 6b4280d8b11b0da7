import '@swc-node/register/esm-register';

export default async function globalTeardown() {
  const { default: release } = await import('./release-database.ts');
  await release();
}
