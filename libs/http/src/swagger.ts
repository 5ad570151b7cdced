import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export interface SwaggerSpec {
  title: string;
  description: string;
  version: string;
}

/** Swagger UI at /docs and the OpenAPI document at /docs-json, on every app. */
export function setupSwagger(app: NestFastifyApplication, spec: SwaggerSpec): void {
  const document = new DocumentBuilder()
    .setTitle(spec.title)
    .setDescription(spec.description)
    .setVersion(spec.version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addCookieAuth('access_token', { type: 'apiKey', in: 'cookie' }, 'cookie')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'api-key')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, document), {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: spec.title,
  });
}
