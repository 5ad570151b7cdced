import { ApiProperty } from '@nestjs/swagger';
import type { JWK } from 'jose';

export class PublicJwkDto {
  @ApiProperty({ example: 'EC' }) kty!: string;
  @ApiProperty({ example: 'P-256' }) crv!: string;
  @ApiProperty() x!: string;
  @ApiProperty() y!: string;
  @ApiProperty({ description: 'RFC 7638 thumbprint of the key.' }) kid!: string;
  @ApiProperty({ example: 'ES256' }) alg!: string;
  @ApiProperty({ example: 'sig' }) use!: string;
}

export class JwksDto {
  @ApiProperty({ type: [PublicJwkDto] })
  keys!: PublicJwkDto[];
}

export class RotationDto {
  @ApiProperty({ description: 'kid of the new signing key.' })
  kid!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'kid of the key it replaced; still published until its tokens expire.',
  })
  previousKid!: string | null;
}

export function toJwksDto(keys: JWK[]): JwksDto {
  return { keys: keys as PublicJwkDto[] };
}
