import { Controller, Get, Query, Req } from '@nestjs/common';
import { FieldCondition } from '@ledger/projections';
import { APPROVALS } from '@ledger/projections';
import { AuthenticatedRequest } from '@ledger/infra';
import { parseCursor, parseEnum, parseLimit, parsePosition, parseSort } from './query-params';
import { ReadModelsService } from './read-models.service';

const STATUSES = ['pending', 'approved', 'rejected', 'withdrawn'] as const;
const ROLES = ['manager', 'finance', 'cfo'] as const;
const READ_ALL = ['finance', 'cfo', 'auditor', 'admin'];

/**
 * The approval queues: `?status=pending&role=manager`. Finance, the CFO, auditors and admins see every
 * claim; a manager sees the queue of the roles they hold; anyone else sees only their own claims. Each
 * item carries its age in seconds at the time of the answer.
 */
@Controller('approvals')
export class ApprovalsHttpController {
  constructor(private readonly readModels: ReadModelsService) {}

  @Get()
  async list(@Query() query: Record<string, string | undefined>, @Req() request: AuthenticatedRequest) {
    const where: Record<string, FieldCondition> = {};
    const status = parseEnum(query.status, STATUSES, 'status');
    const role = parseEnum(query.role, ROLES, 'role');
    if (status) where.status = status;
    if (role) where.pendingRole = role;
    const { actor } = request;
    if (!actor.roles.some((r) => READ_ALL.includes(r))) {
      const queues = actor.roles.filter((r) => (ROLES as readonly string[]).includes(r));
      if (queues.length > 0 && (!role || queues.includes(role))) {
        where.pendingRole = role ?? { in: queues };
        where.status = 'pending';
      } else {
        where.claimant = actor.subject;
      }
    }
    const page = await this.readModels.page(
      'approvals',
      APPROVALS,
      {
        where,
        sort: parseSort(query.sort, ['since', 'submittedAt', 'claimId'], {
          field: 'since',
          direction: 'asc',
        }),
        limit: parseLimit(query.limit),
        after: parseCursor(query.cursor),
      },
      parsePosition(query.minPosition, 'minPosition'),
    );
    const now = Date.now();
    return {
      ...page,
      items: page.items.map((item) => ({
        ...item,
        ageSeconds: Math.max(0, Math.floor((now - Date.parse(String(item.since))) / 1000)),
      })),
    };
  }
}
