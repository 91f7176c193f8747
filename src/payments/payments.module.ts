import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app.config';
import { AuthorizationsService } from './authorizations.service';
import { PaymentGateway } from './gateway/payment-gateway';
import { SimulatedGatewayRepository } from './gateway/simulated-gateway.repository';
import { SimulatedPaymentGateway } from './gateway/simulated-payment.gateway';
import { PaymentEntity } from './payment.entity';
import { PaymentsController } from './payments.controller';
import { PaymentsRepository } from './payments.repository';
import { PaymentsService } from './payments.service';
import { RefundEntity } from './refund.entity';
import { RefundsService } from './refunds.service';

@Module({
  imports: [TypeOrmModule.forFeature([PaymentEntity, RefundEntity])],
  controllers: [PaymentsController],
  providers: [
    PaymentsRepository,
    PaymentsService,
    RefundsService,
    AuthorizationsService,
    {
      // Swap in a real processor here; everything else talks to the PaymentGateway interface.
      provide: PaymentGateway,
      inject: [DataSource, ConfigService],
      useFactory: (dataSource: DataSource, config: ConfigService<AppConfig, true>) => {
        const { failureRate, gatewayLatencyMs } = config.get('payments', { infer: true });
        return new SimulatedPaymentGateway(new SimulatedGatewayRepository(dataSource), { failureRate, latencyMs: gatewayLatencyMs });
      },
    },
  ],
  exports: [PaymentsRepository, RefundsService, AuthorizationsService, PaymentGateway],
})
export class PaymentsModule {}
