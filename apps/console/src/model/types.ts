import type {
  channelFrame,
  channelStateView,
  receiptFrame,
  directoryAnswer,
  directoryRolesAnswer,
  meAnswer,
  orderDetail,
  orderPreviewAnswer,
  orderProgressAnswer,
  orderSummary,
  outageView,
  relayMissionView,
} from '@lifeline/contracts';
import type { z } from 'zod';

/** The API's answers, typed from the contract's own schemas. */
export type Me = z.output<typeof meAnswer>;
export type Directory = z.output<typeof directoryAnswer>;
export type DirectoryRoles = z.output<typeof directoryRolesAnswer>;
export type ChannelStateView = z.output<typeof channelStateView>;
export type OrderSummary = z.output<typeof orderSummary>;
export type OrderDetail = z.output<typeof orderDetail>;
export type DeliveryView = OrderDetail['deliveries'][number];
export type Preview = z.output<typeof orderPreviewAnswer>;
export type Progress = z.output<typeof orderProgressAnswer>;
export type OutageView = z.output<typeof outageView>;
export type RelayView = z.output<typeof relayMissionView>;
export type ReceiptFrame = z.output<typeof receiptFrame>;
export type ChannelFrame = z.output<typeof channelFrame>;
