import type { MessageAnalysis } from '@app/jobs';
import { MessageAnalysis as MessageAnalysisDto } from '@app/jobs';
import { ApiProperty } from '@nestjs/swagger';

export class MessageResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['message'] })
  kind!: 'message';

  @ApiProperty({ enum: ['free', 'paid'] })
  provider!: 'free' | 'paid';

  @ApiProperty({ type: MessageAnalysisDto })
  result!: MessageAnalysis;
}
