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
  /**
   * Free text that may carry personal data (scan text, alert text): phone and
   * ID-card numbers, names after a cue (`快递员`, `签收人`, `由…签收`) and
   * addresses after `地址` masked in place; the rest stays readable.
   */
  FREE_TEXT = 'FREE_TEXT',
  /**
   * A structured record as received (JSON): values under personal keys
   * (`phone`, `address`, `name`, `receiver`…) masked by kind, every other
   * string as FREE_TEXT; the shape stays.
   */
  RECORD = 'RECORD',
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

const MOBILE = /(?<![\d*])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?![\d*])/g;
const LANDLINE = /(?<![\d*])0\d{2,3}-\d{7,8}(?![\d*])/g;
const ID_CARD = /(?<![\dXx*])\d{17}[\dXx](?![\dXx*])/g;
const HAN_NAME = '[\\u4e00-\\u9fa5·]{2,3}';
/** A name right after a word that introduces one (courier, signer, recipient…), or between `由` and `签收`/`代收`. */
const NAME_AFTER_CUE = new RegExp(
  `((?:快递员|快递小哥|派件员|派送员|配送员|收派员|业务员|揽收员|揽件员|司机|收件人|签收人|收货人|寄件人|联系人|代收人|经办人|本人|家人)[:：\\s]*)(${HAN_NAME})`,
  'gu',
);
const NAME_BEFORE_SIGNED = new RegExp(`(由\\s*)(${HAN_NAME})(\\s*(?:签收|代收|代签))`, 'gu');
const ADDRESS_AFTER_CUE = /((?:收货地址|送货地址|详细地址|住址|地址)[:：\s]*)([^，。,;；\s]+)/gu;

/**
 * Masks what personal data free text may carry, in place: mobile and
 * landline numbers as PHONE, 18-digit ID-card numbers, a name after a cue
 * (`快递员 王五` -> `快递员 王*`) and an address after `地址`. Text without
 * such data comes back as it was (`快件已到达临猗县集散中心`).
 */
export function maskFreeText(value: string): string {
  return value
    .replace(ID_CARD, (id) => `${id.slice(0, 6)}********${id.slice(-4)}`)
    .replace(MOBILE, (phone) => maskPhone(phone))
    .replace(LANDLINE, (phone) => maskPhone(phone))
    .replace(NAME_AFTER_CUE, (_all, cue: string, name: string) => cue + maskName(name))
    .replace(NAME_BEFORE_SIGNED, (_all, before: string, name: string, after: string) => before + maskName(name) + after)
    .replace(ADDRESS_AFTER_CUE, (_all, cue: string, address: string) => cue + maskAddress(address));
}

/** Keys whose values are personal data in records as couriers and sources send them, and how each is masked. */
export const PERSONAL_KEYS: readonly [RegExp, MaskKind][] = [
  [/phone|mobile|^tel$|tel(ephone)?$|手机|电话/i, MaskKind.PHONE],
  [/address|addr$|地址/i, MaskKind.ADDRESS],
  [
    /(recipient|receiver|consignee|signer|signed.?by|收件人|寄件人|签收人|收货人)(.?name)?$|(customer|contact|sender|shipper|buyer|courier|person).?name$|^name$|姓名/i,
    MaskKind.NAME,
  ],
];

/** Masks a record as received (see MaskKind.RECORD); depth and size bounded like the audit trail's. */
export function maskRecord(value: unknown, key = '', depth = 0): unknown {
  if (value == null || typeof value === 'boolean') return value;
  if (depth > 32) return null;
  const personal = key ? PERSONAL_KEYS.find(([pattern]) => pattern.test(key))?.[1] : undefined;
  if (typeof value === 'string') return personal ? applyMask(personal, value) : maskFreeText(value);
  if (typeof value === 'number') return personal ? applyMask(personal, String(value)) : value;
  if (Array.isArray(value)) return value.map((item) => maskRecord(item, key, depth + 1));
  if (typeof value === 'object') {
    // A nested object under a personal key (`recipient: { … }`) keeps its own keys' rules.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskRecord(v, k, depth + 1)]));
  }
  return null;
}

/** Applies a mask to a value (strings per kind; a RECORD any JSON; anything else is withheld). */
export function applyMask(kind: MaskKind, value: unknown): unknown {
  if (value == null) return value;
  if (kind === MaskKind.RECORD) return maskRecord(value);
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
    case MaskKind.FREE_TEXT:
      return maskFreeText(value);
  }
}
