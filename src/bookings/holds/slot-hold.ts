/** A customer's claim on a slot of a service until `expiresAt` (table `booking_holds`). */
export interface SlotHold {
  id: string;
  customerId: string;
  serviceId: string;
  providerId: string;
  scheduledAt: Date;
  endsAt: Date;
  expiresAt: Date;
}
