/**
 * Trade names that do not say which product (issue #14): the same characters
 * name different crops or fish in different regions (芸豆, 大头菜, 大头鱼), or
 * a group of species that the catalogue keeps apart (鲈鱼, 对虾). A matcher
 * that sees only the name must not pick one, so these go to the review queue
 * with every product they may mean as a candidate, and the reason. A reviewer who knows the source accepts one (a reviewed alias then
 * wins for every source). Keep each entry to names a source says are used
 * both ways; a name one region uses and others do not know is an alias.
 *
 * Products are catalogue codes; a code the catalogue does not carry is left
 * out of the candidates.
 */
export interface AmbiguousName {
  /** The products the name stands for somewhere, most common first. */
  products: readonly string[];
  /** Where it means which, for the reviewer. */
  why: string;
}

export const AMBIGUOUS_NAMES: Readonly<Record<string, AmbiguousName>> = {
  芸豆: {
    products: ['green-bean', 'kidney-bean'],
    why: 'fresh 菜豆 pods in the north-China vegetable trade (Shandong, Beijing, the north-east), dry kidney beans in the grain trade',
  },
  豆角: { products: ['green-bean', 'yardlong-bean'], why: '菜豆 (green bean) in the north, 豇豆 (yardlong bean) in the south' },
  大头菜: { products: ['cabbage', 'root-mustard'], why: '结球甘蓝 (cabbage) in Shandong and the north-east, 根用芥菜 (root mustard) in the south-west' },
  胡瓜: { products: ['cucumber', 'bottle-gourd'], why: "黄瓜's old name (and Taiwan's), but a gourd (瓠瓜) on Jiaodong boards that quote 黄瓜 apart" },
  蒜苗: { products: ['green-garlic', 'garlic-scape'], why: '青蒜 (green garlic) in most of China, 蒜薹 (garlic scape) in parts of the north' },
  大头鱼: { products: ['bighead-carp', 'cod'], why: '鳙鱼 (bighead carp) in the south and centre, 鳕鱼 (cod) in Qingdao and on the Shandong coast' },
  鲈鱼: {
    products: ['sea-bass', 'freshwater-bass'],
    why: '海鲈 (Lateolabrax) on the coast and in the north, 加州鲈 (largemouth bass) in the freshwater trade of the south',
  },
  对虾: { products: ['chinese-shrimp', 'whiteleg-shrimp', 'tiger-prawn'], why: 'any Penaeus prawn: 中国对虾, 南美白对虾 or 斑节对虾' },
  蛤蜊: { products: ['clam-manila', 'ark-clam'], why: 'any clam: 花蛤, 文蛤, 青蛤, 毛蚶 …' },
  豆芽: { products: ['mung-bean-sprout', 'soybean-sprout'], why: 'bean sprouts: 绿豆芽 or 黄豆芽' },
  红椒: { products: ['sweet-pepper', 'chili-pepper'], why: 'a red bell pepper or a red chili: lists use it for both' },
  青桔: { products: ['mandarin', 'kumquat'], why: 'a green-skinned mandarin, or the calamansi (青金桔) of drinks and Guangdong kitchens' },
  // Round 4, from the Lanzhou 大青山 market's boards (quoted beside 南瓜 and 豆角, at their prices).
  番瓜: {
    products: ['pumpkin', 'zucchini'],
    why: '南瓜 (pumpkin) in the north-east and north China, 西葫芦 (zucchini) in Gansu and Ningxia (Lanzhou quotes 番瓜 beside 南瓜)',
  },
  龙豆: {
    products: ['winged-bean', 'green-bean'],
    why: '四棱豆 (winged bean) in the south; in Lanzhou a 菜豆-type pole bean quoted beside 豆角 at its price',
  },
  刀鱼: { products: ['hairtail'], why: '带鱼 (hairtail) on the northern coast, 刀鲚 (Coilia, not in the catalogue) on the Yangtze' },
};
