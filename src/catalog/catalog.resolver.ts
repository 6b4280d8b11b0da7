import { Arg, Args, Ctx, FieldResolver, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { ConnectionType } from '../relay/connection.type.js';
import type { HubContext } from '../graphql/context.js';
import { Region } from '../regions/region.entity.js';
import { CategoryLevel, ProductCategory } from './product-category.entity.js';
import { Product } from './product.entity.js';
import { Variety } from './variety.entity.js';
import { OriginLabel } from './origin-label.entity.js';
import { ProductsArgs } from './catalog.args.js';
import { listProducts } from './catalog.service.js';

@ObjectType()
export class ProductConnection extends ConnectionType(Product) {}

@Resolver(() => Product)
export class ProductResolver {
  @Query(() => ProductConnection, { description: 'The product catalogue, ordered by code.' })
  async products(@Args() args: ProductsArgs, @Ctx() ctx: HubContext): Promise<ProductConnection> {
    return new ProductConnection(await listProducts(ctx.em, args));
  }

  @Query(() => Product, { nullable: true, description: 'One product by code (e.g. `apple`) or canonical name (e.g. `苹果`).' })
  product(@Arg('code') code: string, @Ctx() ctx: HubContext): Promise<Product | null> {
    return ctx.em.findOne(Product, { $or: [{ code }, { name: code }] });
  }

  @Query(() => [ProductCategory], { description: 'Product categories (sectors and classes, with their NY/T 3177-2018 codes), ordered by standard code.' })
  productCategories(
    @Arg('level', () => CategoryLevel, { nullable: true, description: 'Only sectors or only classes.' }) level: CategoryLevel | undefined,
    @Ctx() ctx: HubContext,
  ): Promise<ProductCategory[]> {
    return ctx.em.find(ProductCategory, level ? { level } : {}, { orderBy: { standardCode: 'asc', code: 'asc' } });
  }

  @FieldResolver(() => ProductCategory, {
    description: 'The class of the product (NY/T 3177-2018 where coded, e.g. 010402 白菜类), or its sector where the sector has no classes.',
  })
  async category(@Root() product: Product, @Ctx() ctx: HubContext): Promise<ProductCategory> {
    return (await ctx.loaders.ref(ProductCategory, product.category))!;
  }

  @FieldResolver(() => ProductCategory, {
    description: "The sector of the product (e.g. 0104 蔬菜): its class's parent, or its category when that is a sector.",
  })
  async sector(@Root() product: Product, @Ctx() ctx: HubContext): Promise<ProductCategory> {
    const category = (await ctx.loaders.ref(ProductCategory, product.category))!;
    return category.parent ? ((await ctx.loaders.ref(ProductCategory, category.parent)) ?? category) : category;
  }

  @FieldResolver(() => [Variety])
  varieties(@Root() product: Product, @Ctx() ctx: HubContext): Promise<Variety[]> {
    return ctx.loaders.many(Variety, 'product', product.id, { name: 'asc' });
  }

  @FieldResolver(() => [OriginLabel], { description: 'Geographical indications and certifications of this product.' })
  originLabels(@Root() product: Product, @Ctx() ctx: HubContext): Promise<OriginLabel[]> {
    return ctx.loaders.many(OriginLabel, 'product', product.id, { name: 'asc' });
  }
}

@Resolver(() => Variety)
export class VarietyResolver {
  @FieldResolver(() => Product)
  async product(@Root() variety: Variety, @Ctx() ctx: HubContext): Promise<Product> {
    return (await ctx.loaders.ref(Product, variety.product))!;
  }
}

@Resolver(() => OriginLabel)
export class OriginLabelResolver {
  @FieldResolver(() => Product)
  async product(@Root() label: OriginLabel, @Ctx() ctx: HubContext): Promise<Product> {
    return (await ctx.loaders.ref(Product, label.product))!;
  }

  @FieldResolver(() => Variety, { nullable: true })
  variety(@Root() label: OriginLabel, @Ctx() ctx: HubContext): Promise<Variety | null> {
    return ctx.loaders.ref(Variety, label.variety);
  }

  @FieldResolver(() => Region, { description: 'The protected origin.' })
  async region(@Root() label: OriginLabel, @Ctx() ctx: HubContext): Promise<Region> {
    return (await ctx.loaders.ref(Region, label.region))!;
  }
}

@Resolver(() => ProductCategory)
export class ProductCategoryResolver {
  @FieldResolver(() => ProductCategory, { nullable: true })
  parent(@Root() category: ProductCategory, @Ctx() ctx: HubContext): Promise<ProductCategory | null> {
    return ctx.loaders.ref(ProductCategory, category.parent);
  }
}
