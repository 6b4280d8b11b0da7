import { z } from 'zod';
import { PRICE_ROLES, type PriceColumnsMapping } from './columns.js';

/**
 * The `columns` option of the price-list connectors (wholesale-prices, spreadsheet-upload): role -> header as the
 * list writes it, for a list whose headers the synonym table does not place or places ambiguously, e.g.
 * `{ "name": "菜名", "avg": "批发价(元/公斤)", "date": "日期" }`. Checked when the connector is configured: only known
 * roles, each header given to one role.
 */
export const priceColumnsConfig = z
  .object(
    Object.fromEntries(PRICE_ROLES.map((role) => [role, z.string().trim().min(1).optional()])) as Record<
      (typeof PRICE_ROLES)[number],
      z.ZodOptional<z.ZodString>
    >,
  )
  .strict()
  .superRefine((columns, ctx) => {
    const byHeader = new Map<string, string>();
    for (const [role, header] of Object.entries(columns)) {
      if (header === undefined) continue;
      const other = byHeader.get(header);
      if (other) ctx.addIssue({ code: 'custom', path: [role], message: `"${header}" is already the ${other} column; a column holds one role` });
      else byHeader.set(header, role);
    }
  }) as unknown as z.ZodType<PriceColumnsMapping>;

/** The `unit` option: what prices are per when a list has no unit column and its price headers name none. */
export const priceUnitConfig = z.string().trim().min(1).max(32).optional();
