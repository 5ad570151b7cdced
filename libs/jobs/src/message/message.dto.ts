import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export const MESSAGE_MAX_CHARS = 10_000;

/** `POST /v1/messages` body. Length counts Unicode code points, like `characters` below. */
export class MessageJobDto {
  @ApiProperty({ minLength: 1, maxLength: MESSAGE_MAX_CHARS, example: 'Hello,  World!\nBye.' })
  @IsString()
  @Length(1, MESSAGE_MAX_CHARS)
  text!: string;
}

/** The message result: a deterministic analysis, identical on both providers. */
export class MessageAnalysis {
  @ApiProperty({ description: 'Unicode code points.', example: 19 })
  characters!: number;

  @ApiProperty({ description: 'Runs of non-whitespace characters.', example: 3 })
  words!: number;

  @ApiProperty({ description: 'Line breaks (\\n, \\r\\n or \\r) plus one.', example: 2 })
  lines!: number;

  @ApiProperty({ description: 'Length of the UTF-8 encoding.', example: 19 })
  bytes!: number;

  @ApiProperty({
    description: 'Lower-case hex SHA-256 of the UTF-8 text exactly as sent.',
    example: '4d7f1f0c2b1e9a1f3a6c8b5e0d2f7a9c1b3e5d7f9a0c2e4b6d8f0a1c3e5b7d9f',
  })
  sha256!: string;

  @ApiProperty({
    description: 'NFKC, lower case, every whitespace run collapsed to one space, trimmed.',
    example: 'hello, world! bye.',
  })
  normalized!: string;
}
