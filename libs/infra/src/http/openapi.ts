import { Controller, Get, INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { Public } from '../auth/auth.guard';

let document: OpenAPIObject | undefined;

/**
 * Builds the OpenAPI document of the running app: paths from Nest's routes, request schemas from the
 * same class-validator rules that validate the requests (so the document cannot drift from them).
 */
export function buildOpenApiDocument(app: INestApplication, title: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(title)
    .setDescription(
      'Event-sourced payment ledger. Errors are application/problem+json with a stable `code`. ' +
        'Commands accept `Idempotency-Key`; responses that wrote events carry the log `position` of the last one.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addSecurityRequirements('bearer')
    .build();
  const built = SwaggerModule.createDocument(app, config);
  const schemas = validationMetadatasToSchemas({ refPointerPrefix: '#/components/schemas/' });
  built.components = {
    ...built.components,
    schemas: { ...built.components?.schemas, ...(schemas as object) },
  };
  document = built;
  return built;
}

@Controller('docs')
export class OpenApiController {
  /** The OpenAPI 3 document, as JSON. */
  @Public()
  @Get()
  get(): OpenAPIObject | { error: string } {
    return document ?? { error: 'document not built yet' };
  }
}
