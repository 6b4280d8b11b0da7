import type { EntityManager } from '@mikro-orm/postgresql';
import { paginate, type Ordering } from '../relay/paginate.js';
import type { Page } from '../relay/connection.type.js';
import { Product } from './product.entity.js';
import type { ProductsArgs } from './catalog.args.js';

const byCode: Ordering<Product> = { keys: [{ sql: 'p.code', read: (p) => p.code }], direction: 'asc' };

const like = (text: string) => `%${text.replace(/[%_\\]/g, '\\$&')}%`;

/** Products by category and text (name, English name, code, any alias, or a variety's name or alias: 红富士 finds 苹果). */
export function listProducts(em: EntityManager, args: ProductsArgs): Promise<Page<Product>> {
  const qb = em.createQueryBuilder(Product, 'p');
  // A sector code (`vegetable`) covers its classes (`veg-cabbage` …); a class code only itself.
  if (args.category) {
    qb.andWhere('p.category_id in (select c.id from product_category c left join product_category s on s.id = c.parent_id where c.code = ? or s.code = ?)', [
      args.category,
      args.category,
    ]);
  }
  if (args.search) {
    const pattern = like(args.search);
    qb.andWhere(
      `(p.name like ? or p.name_en ilike ? or p.code ilike ? or exists (select 1 from unnest(p.aliases) a where a like ?)
        or exists (select 1 from variety v where v.product_id = p.id and (v.name like ? or exists (select 1 from unnest(v.aliases) va where va like ?))))`,
      [pattern, pattern, pattern, pattern, pattern, pattern],
    );
  }
  return paginate(qb, byCode, args, em);
}
