/**
 * The product catalogue seeded into every hub: Shanxi specialities ("south
 * fruit, central grain, north meat, east medicinal herbs, west dried fruit",
 * see DOMAIN.md) and the fruit traded at big wholesale markets, so that entity
 * resolution can match the names price feeds use.
 *
 * The fruit and variety names were chosen by looking at which names occur most
 * often in the Xinfadi price list (trade vocabulary only: no row of that file
 * is copied here). Names that carry a size or package (`富士（纸袋Φ85以上）`,
 * `箱装菠萝（上六下六）`) are left for the resolver to normalise; the plain
 * names are listed as varieties or aliases.
 */

/** A variety: its canonical name, then its other names. */
export type VarietyData = readonly [name: string, ...aliases: string[]];

export interface CategoryData {
  /** Stable slug. */
  code: string;
  name: string;
  /** Code of the parent category. */
  parent?: string;
}

export interface ColdChainRange {
  minC: number;
  maxC: number;
}

export interface ProductData {
  /** Stable slug, never renamed: other data and URLs refer to it. */
  code: string;
  /** Canonical Chinese name. */
  name: string;
  nameEn: string;
  /** Category code. */
  category: string;
  /** Other names of the product; unique across the catalogue so that a name resolves to one product. */
  aliases?: readonly string[];
  /**
   * Whether it counts as a farm product (农产品) for the parcel subsidies: the
   * primary products of farming, forestry and animal husbandry, including
   * primary processing (drying, chilling, freezing, cutting), per the
   * Agricultural Product Quality Safety Law. Processed foods (vinegar, liquor,
   * cooked meat) are not. @default true
   */
  isFarmProduct?: boolean;
  /** Temperature range the product must be kept in during storage and transport; absent when it needs no cold chain. */
  coldChain?: ColdChainRange;
  varieties?: readonly VarietyData[];
}

export const CATEGORIES: readonly CategoryData[] = [
  { code: 'fruit', name: '水果' },
  { code: 'melon', name: '瓜类', parent: 'fruit' },
  { code: 'vegetable', name: '蔬菜' },
  { code: 'grain', name: '粮油' },
  { code: 'coarse-grain', name: '杂粮', parent: 'grain' },
  { code: 'meat', name: '肉类' },
  { code: 'medicinal-herb', name: '中药材' },
  { code: 'dried-fruit-nut', name: '干果' },
  { code: 'condiment', name: '调味品' },
  { code: 'liquor', name: '酒类' },
];

// Cold-chain ranges (°C) follow common storage practice: pome fruit just above freezing,
// tropical fruit above their chilling-injury threshold, chilled meat 0..4, frozen at -18 or colder.
const POME_FRUIT: ColdChainRange = { minC: -1, maxC: 4 };
const BERRIES: ColdChainRange = { minC: 0, maxC: 4 };
const CHILLED_MEAT: ColdChainRange = { minC: 0, maxC: 4 };
const FROZEN_MEAT: ColdChainRange = { minC: -30, maxC: -18 };

const FRUIT: readonly ProductData[] = [
  {
    code: 'apple', name: '苹果', nameEn: 'Apple', category: 'fruit', aliases: ['平果'], coldChain: POME_FRUIT,
    varieties: [
      ['红富士', '富士', '富士苹果', '烟富', '冰糖心', '阿克苏冰糖心'],
      ['嘎啦', '嘎拉', '皇家嘎啦'],
      ['秦冠', '大秦冠'],
      ['红星', '元帅', '红元帅', '蛇果'],
      ['花牛', '花牛苹果', '天水花牛'],
      ['黄元帅', '金帅', '金冠', '黄香蕉'],
      ['国光', '小国光'],
      ['王林'],
      ['乔纳金'],
      ['红将军'],
      ['寒富'],
      ['晨阳'],
      ['藤牧一号', '藤牧一', '藤木一'],
      ['美八', '美国八号'],
      ['夏红'],
      ['莫利斯'],
    ],
  },
  {
    code: 'pear', name: '梨', nameEn: 'Pear', category: 'fruit', aliases: ['梨子'], coldChain: { minC: -1, maxC: 3 },
    varieties: [
      ['酥梨', '砀山酥梨', '白酥梨'],
      ['玉露香', '玉露香梨'],
      ['雪花梨'],
      ['鸭梨'],
      ['红香酥', '红香酥梨'],
      ['红梨', '红皮梨', '红啤梨'],
      ['丰水', '丰水梨'],
      ['库尔勒香梨', '香梨'],
      ['皇冠梨', '皇冠'],
      ['南果梨'],
      ['五九香'],
      ['红宵梨', '红霄梨'],
      ['京白梨'],
      ['早酥', '早酥梨'],
      ['圆黄', '圆黄梨', '园黄梨'],
      ['绿宝石', '绿宝石梨', '中梨1号'],
      ['水晶梨'],
      ['黄金梨'],
      ['晚秋黄梨'],
    ],
  },
  {
    code: 'banana', name: '香蕉', nameEn: 'Banana', category: 'fruit', aliases: ['蕉'],
    // Bananas suffer chilling injury below about 13 °C: "cold chain" here means cool, not cold.
    coldChain: { minC: 13, maxC: 15 },
    varieties: [['皇帝蕉', '皇帝香蕉', '贡蕉']],
  },
  {
    code: 'orange', name: '橙', nameEn: 'Orange', category: 'fruit', aliases: ['橙子', '甜橙'],
    varieties: [
      ['脐橙', '赣南脐橙'],
      ['纽荷尔', '纽荷尔脐橙'],
      ['伦晚', '伦晚脐橙'],
      ['夏橙', '伏令夏橙'],
      ['血橙', '中华红', '二月红'],
      ['冰糖橙'],
    ],
  },
  {
    code: 'mandarin', name: '柑橘', nameEn: 'Mandarin orange', category: 'fruit', aliases: ['橘子', '桔子', '橘', '桔', '柑'],
    varieties: [
      ['蜜桔', '蜜橘'],
      ['南丰蜜桔', '南丰蜜橘'],
      ['黄岩蜜桔'],
      ['砂糖桔', '沙糖桔', '砂糖橘'],
      ['芦柑', '椪柑', '碰柑'],
      ['贡柑'],
      ['小叶桔', '黄岩小叶桔', '黄岩叶桔'],
      ['红桔', '川红桔', '大红袍'],
      ['马水桔'],
      ['不知火', '丑橘', '丑柑', '丑桔'],
      ['春见', '耙耙柑'],
      ['青见'],
      ['爱媛', '爱媛38号', '果冻橙'],
    ],
  },
  { code: 'kumquat', name: '金桔', nameEn: 'Kumquat', category: 'fruit', aliases: ['金橘', '小金桔', '金柑'] },
  {
    code: 'pomelo', name: '柚子', nameEn: 'Pomelo', category: 'fruit', aliases: ['柚', '文旦'],
    varieties: [['蜜柚', '琯溪蜜柚'], ['红心蜜柚', '红心柚'], ['沙田柚'], ['胡柚', '常山胡柚'], ['葡萄柚', '西柚']],
  },
  { code: 'lemon', name: '柠檬', nameEn: 'Lemon', category: 'fruit', aliases: ['黄柠檬'], varieties: [['尤力克'], ['香水柠檬']] },
  { code: 'papaya', name: '木瓜', nameEn: 'Papaya', category: 'fruit', aliases: ['番木瓜'] },
  {
    code: 'grape', name: '葡萄', nameEn: 'Grape', category: 'fruit', aliases: ['提子'], coldChain: { minC: -1, maxC: 2 },
    varieties: [
      ['巨峰'],
      ['玫瑰香', '白玫瑰香'],
      ['龙眼', '龙眼葡萄', '清徐龙眼'],
      ['红提', '红地球', '美国红提'],
      ['黑提'],
      ['夏黑', '夏黑无核'],
      ['维多利亚'],
      ['马奶', '马奶子', '马奶提'],
      ['红宝石', '红宝石无核'],
      ['乒乓球'],
      ['京亚'],
      ['无籽露', '新疆无籽露'],
      ['木纳格'],
      ['青提'],
      ['户太8号', '户太八号'],
      ['郁金香'],
      ['红无核', '火焰无核'],
      ['阳光玫瑰', '香印青提'],
    ],
  },
  {
    code: 'watermelon', name: '西瓜', nameEn: 'Watermelon', category: 'melon',
    varieties: [
      ['麒麟', '麒麟西瓜'],
      ['京欣'],
      ['黑美人'],
      ['特小凤'],
      ['小兰'],
      ['无籽西瓜', '无籽'],
      ['墨童'],
      ['口口爽'],
      ['甜王'],
      ['新红宝'],
      ['风光'],
      ['硒砂瓜', '硒沙瓜'],
      ['8424'],
    ],
  },
  {
    code: 'melon', name: '甜瓜', nameEn: 'Melon', category: 'melon', aliases: ['香瓜'],
    varieties: [
      ['羊角蜜'],
      ['翠宝'],
      ['花蕾'],
      ['绿宝'],
      ['白兰瓜', '白兰'],
      ['208'],
      ['黄金瓜', '金蜜'],
      ['京甜5号'],
      ['翠梨'],
      ['东方蜜'],
      ['丰雷'],
      ['景甜', '景甜5号'],
      ['白糖罐'],
      ['网纹瓜', '网纹'],
      ['黄河蜜'],
      ['甜宝'],
      ['玉菇'],
    ],
  },
  {
    code: 'hami-melon', name: '哈密瓜', nameEn: 'Hami melon', category: 'melon',
    varieties: [['西州蜜', '西州密', '西州蜜25号'], ['伽师瓜']],
  },
  { code: 'pineapple', name: '菠萝', nameEn: 'Pineapple', category: 'fruit', aliases: ['凤梨'], varieties: [['巴厘', '巴厘菠萝'], ['金钻', '金钻凤梨']] },
  {
    code: 'mango', name: '芒果', nameEn: 'Mango', category: 'fruit', aliases: ['杧果'], coldChain: { minC: 10, maxC: 13 },
    varieties: [
      ['台农', '台农一号', '台芒'],
      ['象牙芒', '象牙'],
      ['凯特', '凯特芒'],
      ['苹果芒'],
      ['金煌', '金煌芒'],
      ['贵妃芒', '贵妃'],
      ['香芒', '越南香芒'],
      ['澳芒', '澳洲芒'],
      ['汤米', '汤米芒果'],
    ],
  },
  {
    code: 'lychee', name: '荔枝', nameEn: 'Lychee', category: 'fruit', coldChain: { minC: 1, maxC: 5 },
    varieties: [['妃子笑'], ['白蜡'], ['三月红'], ['黑叶'], ['桂味'], ['鸡嘴荔', '鸡嘴荔枝'], ['玉荷包'], ['糯米糍']],
  },
  { code: 'coconut', name: '椰子', nameEn: 'Coconut', category: 'fruit', aliases: ['椰青', '青椰', '椰皇'] },
  {
    code: 'kiwifruit', name: '猕猴桃', nameEn: 'Kiwifruit', category: 'fruit', aliases: ['奇异果', '弥猴桃'], coldChain: { minC: 0, maxC: 2 },
    varieties: [['海沃德'], ['秦美'], ['徐香'], ['亚特'], ['红阳', '红心猕猴桃'], ['翠香'], ['金艳']],
  },
  {
    code: 'peach', name: '桃', nameEn: 'Peach', category: 'fruit', aliases: ['桃子'],
    varieties: [['油桃'], ['蟠桃', '盘桃'], ['水蜜桃'], ['毛桃'], ['冬桃'], ['中华寿桃', '寿桃'], ['黄桃'], ['春雪'], ['久保'], ['京红']],
  },
  {
    code: 'plum', name: '李子', nameEn: 'Plum', category: 'fruit', aliases: ['李'],
    varieties: [['布朗', '布朗李'], ['幸运李'], ['三华李'], ['脆红李']],
  },
  {
    code: 'apricot', name: '杏', nameEn: 'Apricot', category: 'fruit', aliases: ['杏子'],
    varieties: [['金太阳'], ['凯特', '凯特杏'], ['串红', '串红杏'], ['胭脂红', '胭脂红杏'], ['白杏'], ['杏梅'], ['丰园红', '丰原红']],
  },
  {
    code: 'cherry', name: '樱桃', nameEn: 'Cherry', category: 'fruit', aliases: ['车厘子'], coldChain: { minC: 0, maxC: 2 },
    varieties: [['红灯'], ['美早'], ['先锋'], ['拉宾斯'], ['早大果'], ['萨米脱'], ['黑珍珠']],
  },
  {
    code: 'strawberry', name: '草莓', nameEn: 'Strawberry', category: 'fruit', aliases: ['士多啤梨'], coldChain: BERRIES,
    varieties: [['红颜', '红颊'], ['甜宝', '奶油草莓'], ['丰香'], ['章姬'], ['法兰帝'], ['甜查理']],
  },
  { code: 'pomegranate', name: '石榴', nameEn: 'Pomegranate', category: 'fruit', aliases: ['安石榴'], varieties: [['软籽石榴', '突尼斯软籽', '软籽']] },
  {
    code: 'persimmon', name: '柿子', nameEn: 'Persimmon', category: 'fruit', aliases: ['柿'],
    varieties: [['磨盘柿', '磨盘柿子'], ['甜心柿', '甜心柿子'], ['蜜柿'], ['火晶柿子', '火晶']],
  },
  { code: 'hawthorn', name: '山楂', nameEn: 'Hawthorn', category: 'fruit', aliases: ['山里红', '红果'] },
  { code: 'mulberry', name: '桑葚', nameEn: 'Mulberry', category: 'fruit', aliases: ['桑椹', '桑果'], coldChain: BERRIES },
  { code: 'sugarcane', name: '甘蔗', nameEn: 'Sugarcane', category: 'fruit' },
  { code: 'crabapple', name: '沙果', nameEn: 'Chinese crabapple', category: 'fruit', aliases: ['花红', '林檎'], varieties: [['123', '123沙果']] },
  { code: 'loquat', name: '枇杷', nameEn: 'Loquat', category: 'fruit', aliases: ['枇杷果'] },
  { code: 'bayberry', name: '杨梅', nameEn: 'Chinese bayberry', category: 'fruit', aliases: ['杨莓'], coldChain: BERRIES, varieties: [['东魁'], ['荸荠种']] },
  { code: 'cape-gooseberry', name: '姑娘果', nameEn: 'Cape gooseberry', category: 'fruit', aliases: ['灯笼果', '菇娘', '菇娘果'] },
  { code: 'yacon', name: '雪莲果', nameEn: 'Yacon', category: 'fruit' },
  {
    code: 'pitaya', name: '火龙果', nameEn: 'Pitaya', category: 'fruit', aliases: ['红龙果'],
    varieties: [['红心', '红心火龙果'], ['白心', '白心火龙果']],
  },
  {
    // Ziziphus mauritiana, a tropical fruit sold fresh in winter; not the jujube (红枣) below.
    code: 'indian-jujube', name: '青枣', nameEn: 'Indian jujube', category: 'fruit', aliases: ['台湾青枣', '毛叶枣', '大青枣'],
    varieties: [['奶油', '奶油大青枣', '奶油枣'], ['牛奶枣']],
  },
];

const VEGETABLES: readonly ProductData[] = [
  // 山药蛋 is what Shanxi calls the potato (hence the 山药蛋派 writers), not a yam.
  { code: 'potato', name: '马铃薯', nameEn: 'Potato', category: 'vegetable', aliases: ['土豆', '洋芋', '山药蛋'] },
  { code: 'tomato', name: '番茄', nameEn: 'Tomato', category: 'vegetable', aliases: ['西红柿'], varieties: [['圣女果', '千禧', '樱桃番茄', '小番茄']] },
  { code: 'chili-pepper', name: '辣椒', nameEn: 'Chili pepper', category: 'vegetable', aliases: ['尖椒', '辣子'], varieties: [['线椒'], ['羊角椒']] },
  { code: 'daylily', name: '黄花菜', nameEn: 'Daylily buds', category: 'vegetable', aliases: ['金针菜', '黄花'] },
  { code: 'chinese-cabbage', name: '大白菜', nameEn: 'Chinese cabbage', category: 'vegetable', aliases: ['白菜'] },
  { code: 'scallion', name: '大葱', nameEn: 'Welsh onion', category: 'vegetable', aliases: ['葱'] },
  { code: 'carrot', name: '胡萝卜', nameEn: 'Carrot', category: 'vegetable', aliases: ['红萝卜'] },
  { code: 'chinese-yam', name: '山药', nameEn: 'Chinese yam', category: 'vegetable', aliases: ['淮山', '怀山药'], varieties: [['铁棍山药', '铁棍']] },
];

const GRAIN: readonly ProductData[] = [
  {
    code: 'millet', name: '小米', nameEn: 'Foxtail millet', category: 'coarse-grain', aliases: ['谷子', '黄小米', '粟'],
    varieties: [['沁州黄', '沁州黄小米'], ['晋谷21号', '晋谷21'], ['黄金苗']],
  },
  { code: 'broomcorn-millet', name: '黄米', nameEn: 'Broomcorn millet', category: 'coarse-grain', aliases: ['黍子', '黍米', '糜子', '大黄米'] },
  { code: 'naked-oat', name: '莜麦', nameEn: 'Naked oat', category: 'coarse-grain', aliases: ['裸燕麦', '油麦', '燕麦'] },
  { code: 'buckwheat', name: '荞麦', nameEn: 'Buckwheat', category: 'coarse-grain', aliases: ['荞面'], varieties: [['苦荞', '苦荞麦'], ['甜荞']] },
  // 一把抓 is the sorghum Fenjiu is distilled from.
  { code: 'sorghum', name: '高粱', nameEn: 'Sorghum', category: 'coarse-grain', aliases: ['红粮', '红高粱'], varieties: [['一把抓']] },
  { code: 'mung-bean', name: '绿豆', nameEn: 'Mung bean', category: 'coarse-grain' },
  { code: 'maize', name: '玉米', nameEn: 'Maize', category: 'grain', aliases: ['玉茭', '苞谷', '玉蜀黍'] },
];

const MEAT: readonly ProductData[] = [
  { code: 'beef', name: '牛肉', nameEn: 'Beef (chilled)', category: 'meat', aliases: ['鲜牛肉', '冷鲜牛肉'], coldChain: CHILLED_MEAT },
  { code: 'mutton', name: '羊肉', nameEn: 'Mutton (chilled)', category: 'meat', aliases: ['鲜羊肉', '冷鲜羊肉'], coldChain: CHILLED_MEAT },
  { code: 'pork', name: '猪肉', nameEn: 'Pork (chilled)', category: 'meat', aliases: ['鲜猪肉', '白条猪'], coldChain: CHILLED_MEAT },
  // Frozen meat is a product of its own: its cold chain (-18 °C or colder) differs from chilled meat's.
  { code: 'frozen-beef', name: '冻牛肉', nameEn: 'Beef (frozen)', category: 'meat', aliases: ['冷冻牛肉'], coldChain: FROZEN_MEAT },
  { code: 'frozen-mutton', name: '冻羊肉', nameEn: 'Mutton (frozen)', category: 'meat', aliases: ['冷冻羊肉', '羊肉卷'], coldChain: FROZEN_MEAT },
  // Cooked, cured beef such as 平遥牛肉: a processed food, so no farm-product parcel subsidy.
  { code: 'cooked-beef', name: '酱牛肉', nameEn: 'Cured cooked beef', category: 'meat', aliases: ['熟牛肉', '卤牛肉'], isFarmProduct: false, coldChain: CHILLED_MEAT },
];

const HERBS: readonly ProductData[] = [
  { code: 'codonopsis', name: '党参', nameEn: 'Codonopsis root', category: 'medicinal-herb', aliases: ['上党参'], varieties: [['潞党', '潞党参'], ['纹党']] },
  { code: 'astragalus', name: '黄芪', nameEn: 'Astragalus root', category: 'medicinal-herb', aliases: ['北芪', '黄耆'], varieties: [['蒙古黄芪'], ['膜荚黄芪']] },
  { code: 'forsythia', name: '连翘', nameEn: 'Forsythia fruit', category: 'medicinal-herb', varieties: [['青翘'], ['老翘', '黄翘']] },
  { code: 'bupleurum', name: '柴胡', nameEn: 'Bupleurum root', category: 'medicinal-herb', aliases: ['北柴胡'] },
  { code: 'polygala', name: '远志', nameEn: 'Polygala root', category: 'medicinal-herb' },
];

const DRIED_FRUIT_AND_NUTS: readonly ProductData[] = [
  {
    code: 'jujube', name: '红枣', nameEn: 'Jujube (red date)', category: 'dried-fruit-nut', aliases: ['大枣', '枣', '干枣', '枣子'],
    varieties: [
      ['骏枣'],
      ['壶瓶枣', '太谷壶瓶枣'],
      ['木枣', '吕梁木枣'],
      ['梨枣'],
      ['冬枣'],
      ['板枣', '稷山板枣'],
      ['相枣'],
      ['团枣'],
      ['金丝小枣', '金丝枣'],
      ['马牙枣'],
      ['灰枣'],
    ],
  },
  {
    code: 'walnut', name: '核桃', nameEn: 'Walnut', category: 'dried-fruit-nut', aliases: ['胡桃', '青皮核桃', '鲜核桃'],
    varieties: [
      // The local walnut population of Fenyang, also the name of its geographical indication.
      ['汾州核桃'],
      ['晋龙1号'],
      ['晋龙2号'],
      ['香玲'],
      ['清香'],
      ['纸皮核桃', '薄皮核桃', '纸皮'],
    ],
  },
  { code: 'chestnut', name: '板栗', nameEn: 'Chinese chestnut', category: 'dried-fruit-nut', aliases: ['栗子', '毛栗'], varieties: [['油栗']] },
  { code: 'dried-persimmon', name: '柿饼', nameEn: 'Dried persimmon', category: 'dried-fruit-nut', aliases: ['柿子饼'] },
];

const PROCESSED: readonly ProductData[] = [
  // Vinegar and liquor are made from grain, but are processed foods, not farm products.
  { code: 'aged-vinegar', name: '老陈醋', nameEn: 'Shanxi aged vinegar', category: 'condiment', aliases: ['陈醋', '山西老陈醋', '山西陈醋'], isFarmProduct: false },
  { code: 'fenjiu', name: '汾酒', nameEn: 'Fenjiu liquor', category: 'liquor', aliases: ['杏花村汾酒', '杏花村酒', '汾酒白酒'], isFarmProduct: false },
  { code: 'yellow-wine', name: '黄酒', nameEn: 'Yellow rice wine', category: 'liquor', aliases: ['老酒'], isFarmProduct: false },
];

export const PRODUCTS: readonly ProductData[] = [...FRUIT, ...VEGETABLES, ...GRAIN, ...MEAT, ...HERBS, ...DRIED_FRUIT_AND_NUTS, ...PROCESSED];
