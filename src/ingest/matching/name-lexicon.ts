/**
 * The closed word lists the product matcher trusts (issue #14): which words may stand before a
 * product name, which heads a name may end in, and the compounds and sectors where that reasoning
 * fails. Data, not logic: reviewing a list is reviewing this file; the rules live in product-matcher.ts.
 */

/** A numbered variety code before a product name (`19号`, `R7号`, `2号6号`, `208`). */
export const VARIETY_CODE = /^([A-Za-z]{0,3}\d{1,6}号?)+$/;

/**
 * Product names that, at the end of a name, make it a kind of that product
 * whatever stands in front (Chinese compounds are head-final: 左合草莓 is a
 * strawberry, 脆宝甜瓜 a melon). Only names that no other product's name ends
 * with are listed: not 白菜 (大白菜/小白菜), 桃 (杨桃, 猕猴桃), 杏 (番杏), 核桃
 * (山核桃) or 陈醋 (Shanxi's aged vinegar, or any other).
 */
export const HEAD_NOUNS = new Set(
  [
    '草莓',
    '葡萄',
    '甜瓜',
    '西瓜',
    '苹果',
    '荔枝',
    '芒果',
    '香蕉',
    '菠萝',
    '石榴',
    '李子',
    '柿子',
    '樱桃',
    '大米',
    '香米',
    '面粉',
    '香油',
    '米醋',
    '料酒',
    '酱油',
    '萝卜',
  ].map((n) => n),
);

/**
 * Size and colour words a price list puts before a product name (issue #14).
 * Only these, and only before a product-level name of two or more characters
 * that is no catalogue name as a whole; never shared-character fuzziness.
 */
export const SIZE_WORDS = ['特大', '超大', '小叶', '大叶', '宽叶', '细叶', '大', '中', '小'];
export const COLOUR_WORDS = ['青皮', '白皮', '红皮', '紫皮', '厚皮', '红', '白', '黄', '绿', '青', '紫', '黑', '长', '圆', '老', '嫩'];
/** Longest first, so that 大叶 is tried before 大. */
export const MODIFIER_WORDS = [...SIZE_WORDS, ...COLOUR_WORDS].sort((a, b) => b.length - a.length);

/**
 * Words that describe a product without making it another one (issue #14, round 4), for the head-final rule:
 * Chinese trade names are head-final (`香蜜瓜` is a 蜜瓜, `绿皮丝瓜` a 丝瓜). Closed on purpose: a word
 * that is not listed here is no evidence (`黄花梨`: 黄花 is daylily; `来广梨`: unknown), and every compound is checked
 * against the catalogue and {@link CONFUSABLE_COMPOUNDS} before it is accepted. 毛 (hairy) was tried and left out:
 * 毛冬瓜 is a 节瓜, 毛豆 a soybean, 毛肚 tripe, 毛鸡蛋 a balut (the leave-one-list-out run found the first).
 */
export const TASTE_WORDS = ['冰糖', '奶油', '香甜', '甜脆', '香脆', '香', '甜', '蜜', '脆'];
export const LOOK_WORDS = ['绿皮', '黄皮', '花皮', '黑皮', '光皮', '红肉', '黄肉', '白肉', '红心', '黄心', '白心', '红瓤', '黄瓤'];
export const DESCRIPTOR_WORDS = [...new Set([...MODIFIER_WORDS, ...TASTE_WORDS, ...LOOK_WORDS])].sort((a, b) => b.length - a.length);

/** Sectors whose species or kinds are named by colour (白鳝 and 黄鳝 are two fish; 黑米, 红米 and 黄米 are other grains than 米): no colour word before their names. */
export const COLOUR_NAMED_SECTORS = new Set(['aquatic', 'grain']);

/** Heads a colour word turns into another vegetable (绿菜花 is broccoli, 紫菜头 and 红菜头 are beetroot). */
export const NO_COLOUR = new Set(['菜花', '花菜', '菜头']);

/** One-character products the head-final rule accepts as a head (fruits a list writes bare: `秦杏`, `黑李`, `沧州小枣`), and 芹 (`毛芹`). */
export const ONE_CHARACTER_HEADS = new Set(['桃', '梨', '杏', '李', '枣', '橙', '柚', '桔', '橘', '柑', '芹']);

/** Province abbreviations: a place only before a one-character head (`秦杏`, `赣橙`), since 黑 starts 黑美人 and 京 starts 京欣. */
export const PROVINCE_ABBREVIATIONS = new Set([...'京津冀晋蒙辽吉沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀贵黔云滇陕秦甘陇宁']);

/**
 * Descriptor + head compounds that name something else (whether or not the catalogue carries them): 黑枣 (君迁子, or a
 * smoked jujube), 蜜枣 (candied), 脆枣 / 鲜枣 (fresh, not the dried 枣), 沙枣 (Elaeagnus), 黄梨 (pineapple in Fujian and
 * Taiwan), 老豆腐 / 嫩豆腐 (firm and soft tofu, kept apart from 豆腐). Used by the size-and-colour rule too.
 */
export const CONFUSABLE_COMPOUNDS = new Set(['黑枣', '蜜枣', '脆枣', '鲜枣', '沙枣', '黄梨', '老豆腐', '嫩豆腐']);
/** Catalogue names too generic to be a head: they say how, not what (`无籽` is seedless watermelon or seedless grapes). */
export const GENERIC_HEADS = new Set(['无籽', '无核', '有籽']);

/**
 * Names a modifier is never put before: their compounds name other crops
 * (小白菜 and 青白菜 are no 大白菜; 红萝卜 is a carrot in the south, a red radish
 * in the north; 黑甘蓝 is a kale).
 */
export const NO_MODIFIER = new Set(['白菜', '萝卜', '甘蓝', '菜心', '瓜子']);

/** Animals a price list writes before a cut (`猪前肘`, `牛腱`, `鸡翅中`); the cut must name a product whose name carries the animal. */
export const SPECIES = ['猪', '牛', '羊', '鸡', '鸭', '鹅', '驴', '兔', '鸽'];

/**
 * Processed-state words (cooked, salted, braised, pickled, smoked, cured, air-dried, brined): a name carrying one
 * names a processed product (熟鸭蛋 and 咸鸭蛋 are salted duck eggs, 腌萝卜 pickled radish, 熏鸡 smoked chicken), never
 * the fresh one whose name follows. A match is accepted only when the matched product's own names (or the
 * variety's) carry the word too (咸鸭蛋, 卤水豆腐, 熏干); otherwise the name goes to review.
 */
export const PROCESSED_STATE_WORDS = ['熟', '咸', '卤', '腌', '熏', '腊', '风干', '盐渍'];

/** Sectors where a processed-state word means something else: 熟 before a fruit is ripe (`熟台农芒果`, `熟牛油果`), not cooked. */
export const PROCESSED_WORD_EXEMPT_SECTORS: Readonly<Record<string, ReadonlySet<string>>> = { 熟: new Set(['fruit']) };

/** Ripening words (early-, mid-, late-ripening, ripe): a season or a ripeness, never a cooking (`早熟大白菜`, `晚熟芒`). */
export const RIPENING_WORDS = /[早中晚成催]熟/g;
