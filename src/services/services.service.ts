import { Injectable } from '@nestjs/common';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { UnitOfWork } from '../common/database/unit-of-work';
import { ForbiddenError, NotFoundError } from '../common/errors/domain.error';
import { CreateServiceDto } from './dto/create-service.dto';
import { ServiceResponse, toServiceResponse } from './dto/service.response';
import { UpdateServiceDto } from './dto/update-service.dto';
import { ServiceDeletedEvent } from './events/service-deleted.event';
import { ServiceEntity, ServiceStatus } from './service.entity';
import { ServicesRepository, ServiceWithProvider } from './services.repository';

/** Creating, reading, changing and deleting one listing, with who-may-do-what. */
@Injectable()
export class ServicesService {
  constructor(
    private readonly services: ServicesRepository,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async create(provider: AuthUser, dto: CreateServiceDto): Promise<ServiceResponse> {
    const service = await this.services.insert({
      providerId: provider.id,
      title: dto.title,
      description: dto.description ?? '',
      category: dto.category,
      price: dto.price,
      currency: dto.currency,
      durationMinutes: dto.durationMinutes,
      availability: dto.availability,
      dateOverrides: dto.dateOverrides ?? {},
      minimumNoticeMinutes: dto.minimumNoticeMinutes ?? null,
      bookingHorizonDays: dto.bookingHorizonDays ?? null,
      slotIntervalMinutes: dto.slotIntervalMinutes ?? null,
      images: dto.images ?? [],
      timezone: dto.timezone ?? 'UTC',
      bufferBeforeMinutes: dto.bufferBeforeMinutes ?? 0,
      bufferAfterMinutes: dto.bufferAfterMinutes ?? 0,
      status: dto.isActive === false ? ServiceStatus.INACTIVE : ServiceStatus.ACTIVE,
      instantBooking: dto.instantBooking ?? true,
    });
    return toServiceResponse(service);
  }

  async get(caller: AuthUser | undefined, id: string): Promise<ServiceResponse> {
    return toServiceResponse(await this.findVisible(caller, id));
  }

  /**
   * A service the caller can see: ACTIVE, not deleted and offered by an active provider for everyone;
   * in any state for its owner and admins. Anything else is "not found".
   */
  async findVisible(caller: AuthUser | undefined, id: string): Promise<ServiceEntity> {
    const found = await this.services.findByIdWithProvider(id);
    if (!found) throw new NotFoundError('Service');
    const { service } = found;
    if (caller && (caller.role === Role.ADMIN || caller.id === service.providerId)) return service;
    if (isPubliclyListed(found)) return service;
    throw new NotFoundError('Service');
  }

  /** A service that can take new bookings. */
  async findBookable(id: string): Promise<ServiceEntity | null> {
    const found = await this.services.findByIdWithProvider(id);
    return found && isPubliclyListed(found) ? found.service : null;
  }

  async update(caller: AuthUser, id: string, dto: UpdateServiceDto): Promise<ServiceResponse> {
    const service = await this.findChangeable(caller, id);
    const isAdmin = caller.role === Role.ADMIN;
    if (dto.status !== undefined && !isAdmin) {
      throw new ForbiddenError('Only an admin can set a service status; use isActive.', 'STATUS_CHANGE_FORBIDDEN');
    }
    if (dto.isActive !== undefined && service.status === ServiceStatus.SUSPENDED && !isAdmin) {
      throw new ForbiddenError('This service is suspended; only an admin can lift the suspension.', 'SERVICE_SUSPENDED');
    }
    const { isActive, status, ...fields } = dto;
    Object.assign(service, Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)));
    if (isActive !== undefined) service.status = isActive ? ServiceStatus.ACTIVE : ServiceStatus.INACTIVE;
    if (status !== undefined) service.status = status;
    const saved = await this.services.save(service);
    return toServiceResponse(saved);
  }

  async remove(caller: AuthUser, id: string): Promise<void> {
    const service = await this.findChangeable(caller, id);
    // Recorded in the transaction: the bookings on it are cancelled and refunded in the same transaction.
    await this.unitOfWork.run(async (manager, record) => {
      await this.services.softDelete(service.id, manager);
      record(new ServiceDeletedEvent(service.id, caller.role, caller.id));
    });
  }

  /** Owner or admin; another user gets 403 for a listed service and 404 for one they cannot see. */
  private async findChangeable(caller: AuthUser, id: string): Promise<ServiceEntity> {
    const service = await this.findVisible(caller, id);
    if (service.deletedAt) throw new NotFoundError('Service');
    if (caller.role !== Role.ADMIN && caller.id !== service.providerId) {
      throw new ForbiddenError('Only the provider who offers this service (or an admin) can change it.');
    }
    return service;
  }
}

function isPubliclyListed({ service, providerActive }: ServiceWithProvider): boolean {
  return service.status === ServiceStatus.ACTIVE && !service.deletedAt && providerActive;
}
