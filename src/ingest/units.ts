/**
 * The catalogue's units as the ingest API offers them to connectors (which import nothing of an area): what a unit
 * is (a weight converted to per kg, a count kept as it is) and how two units written differently compare.
 */
export { bareUnit, kgPerUnit, unitKind, type UnitKind } from '../catalog/units.js';
