import { Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { PageInfo } from './page-info.type.js';
import { declareRows, wrapperRows } from '../policy/row-rule.js';

// Connections, edges and page info hold no rows of their own: each node is checked by its own type's rule (issue #11).
declareRows('PageInfo', wrapperRows);

export interface Edge<T> {
  node: T;
  cursor: string;
}

/** What a paginator returns; `count` runs only when a client asks for totalCount. */
export interface Page<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  count: () => Promise<number>;
}

/**
 * Builds the `<Node>Edge` type and a connection base class for a node type,
 * following the Relay cursor-connections specification
 * (https://relay.dev/graphql/connections.htm). Subclass it as
 * `@ObjectType() class <Node>Connection extends ConnectionType(<Node>) {}`:
 * the subclass's name is the connection type's name.
 */
export function ConnectionType<T extends object>(NodeClass: ClassType<T>) {
  const name = NodeClass.name;
  declareRows(`${name}Edge`, wrapperRows);
  declareRows(`${name}Connection`, wrapperRows);
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field(() => NodeClass) node!: T;
    @Field({ description: 'Opaque cursor of this edge; pass it to `after` or `before`.' }) cursor!: string;
  }

  @ObjectType(`${name}Connection`)
  class Connection {
    constructor(private readonly page: Page<T>) {}

    @Field(() => [EdgeType])
    get edges(): Edge<T>[] {
      return this.page.edges;
    }

    @Field(() => [NodeClass], { description: 'The nodes of `edges`, for clients that need no cursors.' })
    get nodes(): T[] {
      return this.page.edges.map((e) => e.node);
    }

    @Field(() => PageInfo)
    get pageInfo(): PageInfo {
      return this.page.pageInfo;
    }

    @Field(() => Int, { description: 'Number of items matching the filter, ignoring pagination.' })
    totalCount(): Promise<number> {
      return this.page.count();
    }
  }
  return Connection;
}
