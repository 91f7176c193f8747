import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import type { Role } from '../../src/common/auth/role.enum';
import { IS_PUBLIC_KEY } from '../../src/common/decorators/public.decorator';
import { ROLES_KEY } from '../../src/common/decorators/roles.decorator';
import { TestApp } from './test-app';

/** The parts of an OpenAPI 3.0 document the suites read. */
export interface SchemaObject {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  nullable?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: SchemaObject;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  additionalProperties?: boolean | SchemaObject;
  allOf?: SchemaObject[];
  oneOf?: SchemaObject[];
  anyOf?: SchemaObject[];
}

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: SchemaObject;
}

export interface MediaTypeObject {
  schema?: SchemaObject;
  examples?: Record<string, { summary?: string; value?: unknown }>;
}

export interface ResponseObject {
  description?: string;
  headers?: Record<string, unknown>;
  content?: Record<string, MediaTypeObject>;
}

export interface OperationObject {
  operationId?: string;
  summary?: string;
  parameters?: ParameterObject[];
  requestBody?: { required?: boolean; content: Record<string, MediaTypeObject> };
  responses: Record<string, ResponseObject>;
  security?: Array<Record<string, string[]>>;
}

export interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  servers?: Array<Record<string, unknown>>;
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas?: Record<string, SchemaObject>; securitySchemes?: Record<string, unknown> };
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

/** Every operation of the document as `{method, path, operation}`, `method` in lower case, `path` in OpenAPI `{param}` syntax. */
export function operationsOf(document: OpenApiDocument): Array<{ method: string; path: string; operation: OperationObject }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => (HTTP_METHODS as readonly string[]).includes(method))
      .map(([method, operation]) => ({ method, path, operation })),
  );
}

/** Follows `$ref`s into `components.schemas` (and merges a single `allOf`, as @nestjs/swagger nests refs). */
export function resolveSchema(document: OpenApiDocument, schema: SchemaObject | undefined): SchemaObject {
  if (!schema) return {};
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = document.components.schemas?.[name];
    if (!target) throw new Error(`Unresolvable $ref ${schema.$ref}`);
    return resolveSchema(document, target);
  }
  if (schema.allOf?.length === 1) return { ...resolveSchema(document, schema.allOf[0]), ...schema, allOf: undefined };
  return schema;
}

export interface AppRoute {
  /** Upper-case HTTP method. */
  method: string;
  /** OpenAPI syntax: `/users/{id}`. */
  path: string;
  isPublic: boolean;
  /** The roles `@Roles(...)` admits; empty for a public route. */
  roles: Role[];
}

/** Every route handler of the app's controllers, from Nest's own metadata (as the router reads it), with its guard metadata. */
export function appRoutes(t: TestApp): AppRoute[] {
  const reflector = t.app.get(Reflector);
  const scanner = new MetadataScanner();
  const routes: AppRoute[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, (...args: unknown[]) => unknown>)[name];
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (path === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const full = `/${[base, path].join('/')}`
          .replace(/\/+/g, '/')
          .replace(/(.)\/$/, '$1')
          .replace(/:(\w+)/g, '{$1}');
        const targets = [handler, controller];
        const isPublic = Boolean(reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets));
        routes.push({ method, path: full, isPublic, roles: isPublic ? [] : (reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? []) });
      }
    }
  }
  return routes;
}
