import { IsOptional, MaxLength } from 'class-validator';
import { ArgsType, Field } from 'type-graphql';
import { ConnectionArgs } from '../relay/connection.args.js';

@ArgsType()
export class ProductsArgs extends ConnectionArgs {
  @Field({ nullable: true, description: 'Only products of this category: a class code (`veg-cabbage`) or a sector code (`vegetable`, covering its classes).' })
  @IsOptional()
  @MaxLength(64)
  category?: string;

  @Field({ nullable: true, description: 'Name, English name, alias or code containing this text, or a variety name or alias (红富士 finds 苹果).' })
  @IsOptional()
  @MaxLength(50)
  search?: string;
}
