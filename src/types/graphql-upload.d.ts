/**
 * Types of the parts of graphql-upload 17 the hub uses. The package types
 * itself with JSDoc in .mjs files, which TypeScript reads only with `allowJs`
 * and `maxNodeModuleJsDepth`; these few lines avoid turning those on for the
 * whole project. Shapes from graphql-upload's processRequest.mjs.
 */
declare module 'graphql-upload/processRequest.mjs' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  import type { Readable } from 'node:stream';

  /** One uploaded file, available once the multipart request reached it. */
  export interface FileUpload {
    filename: string;
    /** MIME type the client declared (not verified). */
    mimetype: string;
    encoding: string;
    /** A fresh readable stream of the file's bytes (buffered to a temporary file by fs-capacitor, never in memory). */
    createReadStream(options?: { encoding?: BufferEncoding; highWaterMark?: number }): Readable;
  }

  export interface ProcessRequestOptions {
    /** Largest non-file field (`operations`, `map`), in bytes. @default 1000000 */
    maxFieldSize?: number;
    /** Largest file, in bytes; a larger file's stream errors with status 413. @default Infinity */
    maxFileSize?: number;
    /** Most files in one request. @default Infinity */
    maxFiles?: number;
  }

  export default function processRequest(request: IncomingMessage, response: ServerResponse, options?: ProcessRequestOptions): Promise<unknown>;
}

declare module 'graphql-upload/graphqlUploadExpress.mjs' {
  import type { RequestHandler } from 'express';
  import type { ProcessRequestOptions } from 'graphql-upload/processRequest.mjs';

  /** Express middleware: parses `multipart/form-data` GraphQL requests into `req.body`, other requests pass through. */
  export default function graphqlUploadExpress(options?: ProcessRequestOptions): RequestHandler;
}

declare module 'graphql-upload/GraphQLUpload.mjs' {
  import type { GraphQLScalarType } from 'graphql';

  /** The `Upload` scalar: its value is a Promise of a FileUpload. */
  const GraphQLUpload: GraphQLScalarType;
  export default GraphQLUpload;
}
