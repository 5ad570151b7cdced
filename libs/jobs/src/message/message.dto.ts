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
    example: '9247ffaac0c76c05262fba5533d1a2f652a938c112f69cd61ccdfdfbcc628b89',
  })
  sha256!: string;

  @ApiProperty({
    description: 'NFKC, lower case, every whitespace run collapsed to one space, trimmed.',
    example: 'hello, world! bye.',
  })
  normalized!: string;
}
