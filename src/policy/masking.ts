/**
 * Desensitisation (脱敏) of classified values before they leave the hub
 * (DOMAIN.md "Data protection"). Pure functions; the access middleware decides
 * when to apply them.
 */
export enum MaskKind {
  /** `13812341234` -> `138****1234`. */
  PHONE = 'PHONE',
  /** `张三` -> `张*`: the family name stays, the rest is starred. */
  NAME = 'NAME',
  /** Cut after the township (乡/镇/街道/苏木): the village, street and house number go. */
  ADDRESS = 'ADDRESS',
  /** First character, then `**` (seller and shop names). */
  TEXT = 'TEXT',
  /** Withheld: null. */
  WITHHOLD = 'WITHHOLD',
}

/** Masks a phone number, keeping the first three and the last four digits of a mobile. */
export function maskPhone(value: string): string {
  const digits = value.replace(/\D/g, '');
  if (digits.length >= 11) return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
  if (digits.length >= 7) return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 5)}${digits.slice(-2)}`;
  return '*'.repeat(Math.max(digits.length, 3));
}

/** Keeps the first character of a name and stars the rest (`张三` -> `张*`, `欧阳娜娜` -> `欧***`). */
export function maskName(value: string): string {
  const chars = [...value.trim()];
  if (chars.length === 0) return '';
  return chars[0] + '*'.repeat(Math.max(chars.length - 1, 1));
}

const TOWNSHIP = /^(.*?(?:街道|镇|乡|苏木))/u;
const COUNTY = /^(.*?(?:县|区|旗|市))(?!.*(?:县|区|旗))/u;

/**
 * Cuts an address after its township: `山西省运城市临猗县北景乡西张村12号` ->
 * `山西省运城市临猗县北景乡`. Without a township, after the county; without
 * either, the first six characters.
 */
export function maskAddress(value: string): string {
  const text = value.trim();
  const township = TOWNSHIP.exec(text)?.[1];
  if (township && township.length < text.length) return township;
  const county = COUNTY.exec(text)?.[1];
  if (county && county.length < text.length) return county;
  return [...text].slice(0, 6).join('');
}

/** First character and `**`. */
export function maskText(value: string): string {
  const chars = [...value.trim()];
  return chars.length ? `${chars[0]}**` : '';
}

/** Applies a mask to a value (strings per kind; anything else is withheld). */
export function applyMask(kind: MaskKind, value: unknown): unknown {
  if (value == null) return value;
  if (typeof value !== 'string' || kind === MaskKind.WITHHOLD) return null;
  switch (kind) {
    case MaskKind.PHONE:
      return maskPhone(value);
    case MaskKind.NAME:
      return maskName(value);
    case MaskKind.ADDRESS:
      return maskAddress(value);
    case MaskKind.TEXT:
      return maskText(value);
  }
}
