import { Controller, HttpCode, Post } from '@nestjs/common';
import { Public } from '@ledger/infra';

/**
 * A route that does no work, served only when `LEDGER_BENCH_ROUTES=1`: the framework's ceiling on
 * this server, which `npm run bench:commands` measures beside the real commands.
 */
@Controller('_bench')
export class BenchHttpController {
  @Public()
  @Post('noop')
  @HttpCode(200)
  noop(): { ok: true } {
    return { ok: true };
  }
}
