import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BookableTimeModule } from './availability/bookable-time.module';
import { CatalogTotalsCache } from './catalog-totals.cache';
import { ServiceCatalogService } from './service-catalog.service';
import { ServiceEntity } from './service.entity';
import { ServicesController } from './services.controller';
import { ServicesRepository } from './services.repository';
import { ServicesService } from './services.service';
import { SlotsService } from './slots.service';

@Module({
  imports: [TypeOrmModule.forFeature([ServiceEntity]), BookableTimeModule],
  controllers: [ServicesController],
  providers: [ServicesService, ServiceCatalogService, SlotsService, ServicesRepository, CatalogTotalsCache],
  exports: [ServicesService, ServicesRepository, BookableTimeModule],
})
export class ServicesModule {}
