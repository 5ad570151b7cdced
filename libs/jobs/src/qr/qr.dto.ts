import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, Length, Max, Min } from 'class-validator';

export const QR_FORMATS = ['png', 'svg'] as const;
export type QrFormat = (typeof QR_FORMATS)[number];
export const QR_EC_LEVELS = ['L', 'M', 'Q', 'H'] as const;
export type QrEcLevel = (typeof QR_EC_LEVELS)[number];

export const QR_CONTENT_TYPES = {
  png: 'image/png',
  svg: 'image/svg+xml',
} as const satisfies Record<QrFormat, string>;
export type QrContentType = (typeof QR_CONTENT_TYPES)[QrFormat];

export const QR_DATA_MAX_CHARS = 2048;
export const QR_MIN_SIZE = 64;
export const QR_MAX_SIZE = 1024;
export const QR_MAX_MARGIN = 16;

/** `POST /v1/qr` body. Every field but `data` has a default, so `{data}` alone is valid. */
export class QrJobDto {
  @ApiProperty({ minLength: 1, maxLength: QR_DATA_MAX_CHARS, example: 'https://example.com/' })
  @IsString()
  @Length(1, QR_DATA_MAX_CHARS)
  data!: string;

  @ApiProperty({ enum: QR_FORMATS, default: 'png', required: false })
  @IsIn(QR_FORMATS)
  format: QrFormat = 'png';

  @ApiProperty({
    type: 'integer',
    description: 'Width and height of the image in pixels (quiet zone included).',
    minimum: QR_MIN_SIZE,
    maximum: QR_MAX_SIZE,
    default: 256,
    required: false,
  })
  @IsInt()
  @Min(QR_MIN_SIZE)
  @Max(QR_MAX_SIZE)
  size: number = 256;

  @ApiProperty({
    description: 'Error correction: L 7 %, M 15 %, Q 25 %, H 30 % of the code may be damaged.',
    enum: QR_EC_LEVELS,
    default: 'M',
    required: false,
  })
  @IsIn(QR_EC_LEVELS)
  ecLevel: QrEcLevel = 'M';

  @ApiProperty({
    type: 'integer',
    description: 'Quiet zone around the code, in modules.',
    minimum: 0,
    maximum: QR_MAX_MARGIN,
    default: 4,
    required: false,
  })
  @IsInt()
  @Min(0)
  @Max(QR_MAX_MARGIN)
  margin: number = 4;
}

/** The QR result: the image bytes and the content type to send them with. */
export interface QrImage {
  contentType: QrContentType;
  bytes: Buffer;
}

/** OpenAPI `content` of a QR response, for `@ApiOkResponse({ content })` on both providers. */
export const QR_IMAGE_CONTENT = {
  [QR_CONTENT_TYPES.png]: { schema: { type: 'string', format: 'binary' } },
  [QR_CONTENT_TYPES.svg]: { schema: { type: 'string', format: 'binary' } },
};
