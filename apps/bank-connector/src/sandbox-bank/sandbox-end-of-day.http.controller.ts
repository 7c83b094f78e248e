import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { IsOptional, Matches } from 'class-validator';
import { ProblemError, RequireRoles } from '@ledger/infra';
import { IN_PROCESS_SANDBOX_BANK } from '../bank-gateway/bank-gateway.providers';
import { SandboxBank } from './sandbox-bank';
import { SandboxBankRefusal } from './sandbox-bank.refusal';

export class EndOfDayRequestDto {
  /** The day to close, `YYYY-MM-DD`; today (UTC) when absent. */
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'date must be YYYY-MM-DD' })
  date?: string;
}

/**
 * Closes a day at the in-process sandbox bank: it publishes that day's camt.053 statements in its feed,
 * which the connector reads and reconciles like any bank's. (The standalone sandbox has the same route.)
 */
@Controller('sandbox')
export class SandboxEndOfDayHttpController {
  constructor(@Inject(IN_PROCESS_SANDBOX_BANK) private readonly sandbox: SandboxBank | null) {}

  @Post('end-of-day')
  @HttpCode(200)
  @RequireRoles('treasurer', 'admin')
  async closeDay(@Body() body: EndOfDayRequestDto) {
    if (!this.sandbox) {
      throw new ProblemError(
        404,
        'SANDBOX.NOT_IN_PROCESS',
        'this connector talks to a bank at BANK_URL, not the sandbox',
      );
    }
    try {
      const closed = await this.sandbox.closeDay(body?.date);
      return { date: closed.date, statements: closed.messages.length, alreadyClosed: closed.alreadyClosed };
    } catch (error) {
      if (error instanceof SandboxBankRefusal)
        throw new ProblemError(error.status, error.code, error.message);
      throw error;
    }
  }
}
