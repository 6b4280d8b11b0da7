import type { EntityManager } from '@mikro-orm/postgresql';

/** The demo webhook secret of a courier: public (README, `npm run demo:feed`), so never for production. */
export const demoCourierSecret = (courierCode: string) => `harvest-demo-${courierCode}-secret`;

/**
 * Gives every courier that has no webhook secret at all its demo secret, so
 * that `npm run demo:feed` and the README's curl examples work on a demo hub.
 * Runs only with SEED_DEMO; rotate with `npm run courier:secret` before real
 * couriers push. Returns the couriers that got one.
 */
export async function seedDemoCourierSecrets(em: EntityManager): Promise<string[]> {
  const rows = await em.getConnection().execute<{ code: string }[]>(
    `insert into courier_credential (courier_id, secret)
     select c.id, 'harvest-demo-' || c.code || '-secret' from courier c
      where not exists (select 1 from courier_credential k where k.courier_id = c.id)
     returning (select code from courier where id = courier_id) as code`,
  );
  return rows.map((r) => r.code);
}
