import { registerEnumType } from 'type-graphql';

/** Kinds of logistics node in the county / township / village network. */
export enum LogisticsNodeKind {
  COUNTY_DISTRIBUTION_CENTRE = 'COUNTY_DISTRIBUTION_CENTRE',
  TOWNSHIP_STATION = 'TOWNSHIP_STATION',
  VILLAGE_SERVICE_POINT = 'VILLAGE_SERVICE_POINT',
  COLD_STORAGE = 'COLD_STORAGE',
  PARCEL_LOCKER = 'PARCEL_LOCKER',
  SORTING_CENTRE = 'SORTING_CENTRE',
}
registerEnumType(LogisticsNodeKind, {
  name: 'LogisticsNodeKind',
  description:
    'County distribution centre (县级共配中心), township station (乡镇快递服务站), village service point (村级快递服务点), cold storage, parcel locker, sorting centre.',
});

/** Filing (备案) with the postal administration. */
export enum FilingStatus {
  FILED = 'FILED',
  PENDING = 'PENDING',
  NOT_FILED = 'NOT_FILED',
}
registerEnumType(FilingStatus, { name: 'FilingStatus', description: 'Filing (备案) status with the postal administration.' });

/** One normalised parcel status; every courier format maps onto it (raw codes are kept). */
export enum ShipmentStatus {
  INFO_RECEIVED = 'INFO_RECEIVED',
  PICKED_UP = 'PICKED_UP',
  IN_TRANSIT = 'IN_TRANSIT',
  ARRIVED_AT_NODE = 'ARRIVED_AT_NODE',
  OUT_FOR_DELIVERY = 'OUT_FOR_DELIVERY',
  AVAILABLE_FOR_PICKUP = 'AVAILABLE_FOR_PICKUP',
  DELIVERED = 'DELIVERED',
  FAILED_ATTEMPT = 'FAILED_ATTEMPT',
  EXCEPTION = 'EXCEPTION',
  RETURNING = 'RETURNING',
  RETURNED = 'RETURNED',
  REJECTED = 'REJECTED',
}
registerEnumType(ShipmentStatus, { name: 'ShipmentStatus', description: 'Normalised parcel status across courier formats.' });

/** Rural parcel direction (农村上下行快件). */
export enum ShipmentDirection {
  UPSTREAM = 'UPSTREAM',
  DOWNSTREAM = 'DOWNSTREAM',
  NONE = 'NONE',
}
registerEnumType(ShipmentDirection, {
  name: 'ShipmentDirection',
  description: 'UPSTREAM: picked up in a rural county and delivered outside it (上行); DOWNSTREAM: delivered to a township or village (下行).',
});
