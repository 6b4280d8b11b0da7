import { MatchMethod, ProductMatcher } from '../../src/ingest/matching/product-matcher.js';
import { matcherFromCatalogueFiles } from '../../seeds/catalog.matcher.js';

/**
 * Precision first (issue #14): a name is matched only on unambiguous
 * evidence, never by characters it shares with another product's name. Each
 * pair below is a mistake a character-overlap matcher makes (the hub's first
 * matcher made the first ones on a real vegetable list).
 */
const matcher = matcherFromCatalogueFiles();
const productOf = (name: string) => matcher.match(name).match?.productCode;

describe('names that share characters with another product are not that product', () => {
  it.each([
    ['小白菜', 'bok-choy', 'chinese-cabbage'],
    ['奶白菜', 'bok-choy', 'chinese-cabbage'],
    ['鸡毛菜', 'bok-choy', 'chinese-cabbage'],
    ['上海青', 'bok-choy', 'chinese-cabbage'],
    ['圆白菜', 'cabbage', 'chinese-cabbage'],
    ['洋白菜', 'cabbage', 'chinese-cabbage'],
    ['包菜', 'cabbage', 'chinese-cabbage'],
    ['紫甘蓝', 'red-cabbage', 'cabbage'],
    ['芥蓝', 'kai-lan', 'cabbage'],
    ['番杏', 'new-zealand-spinach', 'apricot'],
    ['杏鲍菇', 'king-oyster', 'apricot'],
    ['杏仁', 'apricot-kernel', 'apricot'],
    ['杏香草莓', 'strawberry', 'apricot'],
    ['人参果', 'pepino', 'ginseng'],
    ['番石榴', 'guava', 'pomegranate'],
    ['菠萝蜜', 'jackfruit', 'pineapple'],
    ['番荔枝', 'sugar-apple', 'lychee'],
    ['毛荔枝', 'rambutan', 'lychee'],
    ['杨桃', 'starfruit', 'peach'],
    ['猕猴桃', 'kiwifruit', 'peach'],
    ['核桃', 'walnut', 'peach'],
    ['小龙虾', 'crayfish', 'lobster'],
    ['小青龙虾', 'lobster', 'crayfish'],
    ['马蹄笋', 'bamboo-shoot', 'water-chestnut'],
    ['西瓜子', 'melon-seed', 'watermelon'],
    ['红萝卜', 'carrot', 'radish'],
    ['芦笋', 'asparagus', 'bamboo-shoot'],
    ['莴笋', 'stem-lettuce', 'bamboo-shoot'],
    ['木耳菜', 'malabar-spinach', 'black-fungus'],
    ['金针菜', 'daylily', 'enoki'],
    ['黄花鱼', 'yellow-croaker', 'daylily'],
    ['香芹', 'celery', 'coriander'],
    ['日本豆腐', 'egg-tofu', 'tofu'],
    ['松花蛋', 'century-egg', 'cauliflower'],
    // Round 2 (issue #14): pairs a prefix rule must not make.
    ['小白菜', 'bok-choy', 'chinese-cabbage'],
    ['菜心', 'choy-sum', 'chinese-cabbage'],
    ['白菜心', 'chinese-cabbage', 'choy-sum'],
    ['番杏', 'new-zealand-spinach', 'apricot'],
    ['黄瓜', 'cucumber', 'melon'],
    ['白鳝鱼', 'eel', 'rice-field-eel'],
    ['黄鳝鱼', 'rice-field-eel', 'eel'],
    ['黄香蕉', 'apple', 'banana'],
    ['青柠檬', 'lime', 'lemon'],
    ['白瓜子', 'pumpkin-seed', 'melon-seed'],
    ['红葱头', 'shallot', 'onion'],
    // Round 3 (issue #14): Qingdao fish names that end with another product's name.
    ['石甲鱼', undefined, 'softshell-turtle'],
    ['摆甲鱼', 'mackerel', 'softshell-turtle'],
    ['面条鱼', undefined, 'noodles'],
    ['马面鱼', 'filefish', 'spanish-mackerel'],
    ['老板鱼', 'skate', 'softshell-turtle'],
    ['白山芋', 'sweet-potato', 'taro'], // 白 + 山芋, never the place 白山 + 芋
    ['猪前肘', 'pork-hock', 'beef'],
    ['牛前肘', undefined, 'pork-hock'], // 前肘 is a pork cut: the animal must be the product's

    ['黄葱头', 'onion', 'shallot'],
    ['白玉菇', 'beech-mushroom', 'melon'],
    ['生笋', 'stem-lettuce', 'bamboo-shoot'],
    ['卫生油', 'cottonseed-oil', 'peanut-oil'],
    ['生猪', 'live-pig', 'pork'],
    ['快菜', 'chinese-cabbage', 'bok-choy'],
  ])('%s is %s, never %s', (name, expected, never) => {
    expect(productOf(name)).toBe(expected);
    expect(productOf(name)).not.toBe(never);
  });

  it('matches 大白菜 and its trade names to napa cabbage', () => {
    for (const name of ['大白菜', '白菜', '黄芽白', '绍菜']) expect(productOf(name)).toBe('chinese-cabbage');
  });

  it('matches every trade name of 结球甘蓝 to cabbage', () => {
    for (const name of ['结球甘蓝', '圆白菜', '洋白菜', '包菜', '卷心菜', '甘蓝', '椰菜', '莲花白', '茴子白', '甘兰', '圆白菜(陆地)'])
      expect(productOf(name)).toBe('cabbage');
  });

  it('matches the non-heading Chinese cabbages to bok choy, never to napa cabbage', () => {
    for (const name of ['小白菜', '奶白菜', '鸡毛菜', '上海青', '油菜', '小油菜', '青菜']) expect(productOf(name)).toBe('bok-choy');
  });

  it('matches regional names of one vegetable to it', () => {
    const same: [string, string[]][] = [
      ['broccoli', ['西兰花', '青花菜', '西蓝花', '绿菜花']],
      ['cauliflower', ['菜花', '花椰菜', '花菜', '松花菜']],
      ['water-spinach', ['空心菜', '蕹菜', '通菜', '藤藤菜']],
      ['malabar-spinach', ['木耳菜', '落葵', '潺菜']],
      ['crown-daisy', ['茼蒿', '蓬蒿', '皇帝菜', '蒿子秆']],
      ['amaranth', ['苋菜', '汗菜', '杏菜', '米苋']],
      ['zucchini', ['西葫芦', '角瓜', '茭瓜', '云南小瓜']],
      ['chayote', ['佛手瓜', '合掌瓜']],
      ['water-bamboo', ['茭白', '茭笋']],
      ['arrowhead', ['慈姑', '茨菇']],
      ['water-chestnut', ['荸荠', '马蹄']],
      ['taro', ['芋头', '芋艿', '毛芋']],
      ['chinese-yam', ['山药', '淮山']],
      ['ginger', ['生姜', '黄姜', '老姜', '姜母']],
      ['jicama', ['沙葛', '凉薯', '豆薯']],
      ['potato', ['土豆', '马铃薯', '洋芋', '荷兰薯', '地蛋']],
      ['tomato', ['西红柿', '番茄', '洋柿子']],
    ];
    for (const [code, names] of same) for (const name of names) expect([name, productOf(name)]).toEqual([name, code]);
  });
});

describe('qualifiers taken off', () => {
  it.each([
    ['胡萝卜（洗）', 'carrot'],
    ['圆白菜(陆地)', 'cabbage'],
    ['白萝卜露地', 'radish'],
    ['精品羊蝎子', 'lamb-bone'],
    ['苹果(特级)', 'apple'],
    ['箱装菠萝（上六下六）', 'pineapple'],
    ['泰国香蕉', 'banana'],
    ['鄂、湘、川脐橙', 'orange'],
    ['金龙鱼大豆油', 'soybean-oil'],
    ['椰青/个', 'coconut'],
    ['鲫鱼 200g-250g', 'crucian-carp'],
    ['蘋果', 'apple'],
    ['川紅桔', 'mandarin'],
  ])('%s is %s', (name, expected) => {
    expect(productOf(name)).toBe(expected);
  });

  it('says which rule matched and which catalogue name it used', () => {
    expect(matcher.match('圆白菜(陆地)').match).toMatchObject({ method: MatchMethod.EXACT, evidence: expect.stringContaining('"圆白菜"') });
    expect(matcher.match('白萝卜露地').match).toMatchObject({ method: MatchMethod.QUALIFIED, evidence: expect.stringContaining('without "露地"') });
  });
});

describe('a place, a size or a colour before a product name (round 2)', () => {
  it.each([
    ['金乡大蒜', 'garlic', MatchMethod.REGION_PREFIX],
    ['寿光市黄瓜', 'cucumber', MatchMethod.REGION_PREFIX],
    ['张家口圆白菜', 'cabbage', MatchMethod.REGION_PREFIX],
    ['大百合', 'lily-bulb', MatchMethod.MODIFIER_PREFIX],
    ['小带鱼', 'hairtail', MatchMethod.MODIFIER_PREFIX],
    ['红提子', 'grape', MatchMethod.COMPOUND], // round 3: the variety 红提 run into 提子 is stronger evidence than 红 + 提子
    ['紫茄子', 'eggplant', MatchMethod.MODIFIER_PREFIX],
  ])('%s is %s (%s)', (name, expected, method) => {
    expect(matcher.match(name).match).toMatchObject({ productCode: expected, method });
  });

  it('never splits a catalogue name, never puts a modifier before a one-character name or a variety, never colours an aquatic name', () => {
    expect(productOf('黑枣')).toBeUndefined(); // 黑 + 枣: one character
    expect(productOf('黄梨')).toBeUndefined(); // Cantonese for pineapple; 黄 + 梨: one character
    expect(productOf('红鲈鱼')).toBeUndefined(); // colour before an aquatic name
    expect(productOf('青白菜')).toBeUndefined(); // 白菜 takes no modifier: 小白菜, 青白菜 are other crops
    expect(productOf('红萝卜')).toBe('carrot'); // the catalogue name wins over 红 + 萝卜
  });

  it('takes a bracket naming a more specific product of the same sector', () => {
    expect(matcher.match('猪肉(白条猪)').match).toMatchObject({ productCode: 'pork-carcass' });
    expect(matcher.match('苹果(红富士)').match).toMatchObject({ productCode: 'apple', varietyName: '红富士' });
  });

  it("takes 活鱼 off the ministry of commerce's fish names", () => {
    expect(productOf('白鲢活鱼')).toBe('silver-carp');
    expect(productOf('花鲢活鱼')).toBe('bighead-carp');
  });
});

describe('varieties', () => {
  it('matches a variety followed by its own product, with the variety', () => {
    expect(matcher.match('王林苹果').match).toMatchObject({ productCode: 'apple', varietyName: '王林', method: MatchMethod.COMPOUND });
    expect(matcher.match('凯特芒果').match).toMatchObject({ productCode: 'mango', varietyName: '凯特' });
    expect(matcher.match('凯特杏').match).toMatchObject({ productCode: 'apricot', varietyName: '凯特' });
  });

  it('takes the variety from a bracket when it is one of the product', () => {
    expect(matcher.match('猕猴桃（海沃德）').match).toMatchObject({ productCode: 'kiwifruit', varietyName: '海沃德' });
  });

  it('does not take a variety of another product as evidence', () => {
    // 王林 is an apple; 王林梨 is not an apple, and a pear called 王林 is unknown: review.
    expect(productOf('王林梨')).toBeUndefined();
  });
});

describe('the review queue', () => {
  it.each([
    ['凯特', 'names a variety of a mango and of an apricot'],
    ['甜宝', 'names a strawberry and a melon variety'],
    ['葱', '大葱 in the north, 小葱 in the south'],
    ['蒜苗', 'green garlic or garlic scapes, by region'],
    ['高山白菜', 'an unknown word before 白菜, which two products end with'],
    ['黑枣', 'an unknown word before 枣'],
  ])('gets %s (%s), with ranked candidates and the evidence for each', (name) => {
    const outcome = matcher.match(name);
    expect(outcome.match).toBeUndefined();
    if (outcome.candidates?.length) {
      expect(outcome.suggestion).toEqual(outcome.candidates[0]);
      for (const c of outcome.candidates) expect(c.evidence.length).toBeGreaterThan(5);
      const scores = outcome.candidates.map((c) => c.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    }
  });

  it('offers both products of an ambiguous name as candidates', () => {
    const codes = matcher.match('凯特').candidates!.map((c) => c.productCode);
    expect(codes).toEqual(expect.arrayContaining(['mango', 'apricot']));
  });
});

describe('round 3 (issue #14): names that do not say which product, and the rules learnt from Qingdao, Wuxi and the ministry reports', () => {
  it.each([
    ['芸豆', ['green-bean', 'kidney-bean']],
    ['大头菜', ['cabbage', 'root-mustard']],
    ['大头鱼', ['bighead-carp', 'cod']],
    ['胡瓜', ['cucumber', 'bottle-gourd']],
    ['鲈鱼', ['sea-bass', 'freshwater-bass']],
    ['豆角', ['green-bean', 'yardlong-bean']],
  ])('sends %s to review with every product it may mean and where it means which', (name, products) => {
    const outcome = matcher.match(name);
    expect(outcome.match).toBeUndefined();
    const ambiguous = outcome.candidates!.filter((c) => c.method === MatchMethod.AMBIGUOUS);
    expect(ambiguous.map((c) => c.productCode)).toEqual(expect.arrayContaining(products));
    for (const c of ambiguous) expect(c.evidence).toContain('may name');
  });

  it('lets a reviewed alias of such a name win, for every source', () => {
    const products = [
      { id: 1, code: 'green-bean', name: '菜豆', aliases: ['四季豆'] },
      { id: 2, code: 'kidney-bean', name: '芸豆', aliases: [] },
    ];
    const before = ProductMatcher.fromCatalogue(products, []);
    expect(before.match('芸豆').match).toBeUndefined();
    const after = ProductMatcher.fromCatalogue(products, [], [{ alias: '芸豆', productId: 1, varietyId: null }]);
    expect(after.match('芸豆').match).toMatchObject({ productCode: 'green-bean' });
  });

  it.each([
    ['阳信梨', 'pear', MatchMethod.REGION_PREFIX], // a county before a one-character product
    ['羊角蜜瓜', 'melon', MatchMethod.COMPOUND], // 羊角蜜 run into 蜜瓜
    ['鲈鱼/寨花', 'sea-bass', MatchMethod.ALTERNATIVES], // 鲈鱼 names two fish, 寨花 one of them
    ['当地菠菜', 'spinach', MatchMethod.QUALIFIED],
    ['猪后肘', 'pork-hock', MatchMethod.SPECIES_PREFIX],
    ['毛蛤蜊', 'ark-clam', MatchMethod.EXACT],
    ['加吉鱼', 'red-seabream', MatchMethod.EXACT],
    ['安康鱼', 'monkfish', MatchMethod.EXACT],
    ['長豆', 'yardlong-bean', MatchMethod.EXACT], // traditional characters folded
    // A Wuhan caterer's purchase list: counts, minced meat, cut shapes, two modifiers, dressed birds.
    ['鲫鱼2条', 'crucian-carp', MatchMethod.EXACT],
    ['仔鸡10只（2斤/只）', 'chicken', MatchMethod.EXACT],
    ['猪肚 个', 'pork-stomach', MatchMethod.EXACT],
    ['五花肉沫', 'pork-belly', MatchMethod.QUALIFIED],
    ['豆腐块', 'tofu', MatchMethod.QUALIFIED],
    ['光仔鸡（2斤/只）', 'chicken', MatchMethod.QUALIFIED],
    ['大红圆椒', 'sweet-pepper', MatchMethod.MODIFIER_PREFIX],
    ['青皮苦瓜', 'bitter-melon', MatchMethod.MODIFIER_PREFIX],
  ])('%s is %s (%s)', (name, expected, method) => {
    expect(matcher.match(name).match).toMatchObject({ productCode: expected, method });
  });

  it('does not take 鲈鱼 with a part naming another fish, nor a one-character product after a place when a longer name ends the whole', () => {
    expect(productOf('鲈鱼/草鱼')).toBeUndefined();
    expect(productOf('东方蜜')).toBe('melon'); // the variety, never 东方 + 蜜 (honey)
  });

  it('never takes a nickname in a bracket for another fish, nor a cut word off a one-character rest', () => {
    expect(productOf('罗非鱼（鲫鱼）')).toBe('tilapia'); // 非洲鲫鱼 is tilapia's own name
    expect(productOf('猪肉(白条猪)')).toBe('pork-carcass'); // a bracket naming a more specific product still counts
    expect(productOf('粉丝')).toBe('vermicelli'); // never 粉 + 丝
  });
});

describe('round 4 (issue #14): head-final names, a closed lexicon of descriptors before a product', () => {
  it.each([
    ['香蜜瓜', 'melon'], // taste + 蜜瓜
    ['甜蜜瓜', 'melon'],
    ['绿皮丝瓜', 'luffa'], // look + product
    ['大芹', 'celery'], // 芹 is one of the one-character heads
    ['红酥梨', 'pear'], // colour + variety of one product
    ['黑李', 'plum'], // colour + one-character fruit
    ['秦杏', 'apricot'], // a province abbreviation before a one-character fruit
    ['河北沧州小枣', 'jujube'], // two places and a size before 枣
    ['黄肉桃', 'peach'],
    ['香脆梨', 'pear'], // two taste words in one
    ['赣橙', 'orange'],
  ])('%s is %s (HEAD_FINAL)', (name, expected) => {
    expect(matcher.match(name).match).toMatchObject({ productCode: expected, method: MatchMethod.HEAD_FINAL });
  });

  it('takes a variety, a descriptor and its product together (春雪大桃)', () => {
    expect(matcher.match('春雪大桃').match).toMatchObject({ productCode: 'peach', varietyName: '春雪', method: MatchMethod.COMPOUND });
  });

  // Each pair: what the compound is, and the product a head-final reading would wrongly give.
  it.each([
    ['番杏', 'new-zealand-spinach', 'apricot'], // the compound is a catalogue name of another product
    ['小白菜', 'bok-choy', 'chinese-cabbage'],
    ['大白菜', 'chinese-cabbage', 'bok-choy'],
    ['圆白菜', 'cabbage', 'chinese-cabbage'],
    ['奶白菜', 'bok-choy', 'chinese-cabbage'],
    ['黄花杏', undefined, 'apricot'], // 黄花 is no descriptor: it is daylily (黄花梨 is a pear only as a cultivar's name)
    ['黄花菜', 'daylily', 'cauliflower'], // a longer end (花菜) never beats the whole name
    ['黑枣', undefined, 'jujube'], // 君迁子 or a smoked jujube: review
    ['蜜枣', undefined, 'jujube'], // candied
    ['沙枣', undefined, 'jujube'], // Elaeagnus
    ['黄梨', undefined, 'pear'], // pineapple in Fujian and Taiwan
    ['大红椒', undefined, 'chili-pepper'], // 红椒 names two products: review
    ['新疆红无籽', undefined, 'watermelon'], // 无籽 is seedless watermelon or grapes
    ['白鳝', 'eel', 'rice-field-eel'], // no colour before an aquatic name
    ['香芹', 'celery', 'coriander'],
    ['甜蜜', undefined, 'honey'], // 蜜 is no one-character head
    ['杏鲍菇', 'king-oyster', 'apricot'],
    ['青白菜', undefined, 'chinese-cabbage'], // 白菜 takes no modifier
    ['脆枣', 'fresh-jujube', 'jujube'], // fresh, not the dried 枣
    ['毛冬瓜', 'chieh-qua', 'wax-gourd'], // 节瓜: 毛 (hairy) is no descriptor
    ['小白菜心', 'bok-choy', 'chinese-cabbage'], // 小白菜 + 心, never 小 + 白菜心
    ['紫菜头', 'beetroot', 'radish'], // 紫菜 spans the boundary; a colour before 菜头 makes a beet
    ['绿菜花', 'broccoli', 'cauliflower'],
    ['黑香米', 'black-rice', 'rice'], // no colour before a grain
    ['嫩豆腐', 'tofu-soft', 'tofu'],
    ['羊腱子肉', 'lamb-shank', 'beef-shank'], // another animal in front
    ['鲜枣', 'fresh-jujube', 'jujube'],
  ])('%s is %s, never %s', (name, expected, never) => {
    expect(productOf(name)).toBe(expected);
    expect(productOf(name)).not.toBe(never);
  });

  it('takes no word outside the lexicon as a descriptor', () => {
    expect(productOf('来广梨')).toBeUndefined(); // an unknown word before a one-character fruit: review
    expect(productOf('高山白菜')).toBeUndefined();
  });
});

describe("round 4 (issue #14): the list's own category vetoes a match into another sector", () => {
  it('sends 红辣椒 filed under 干鲜 (dried goods) to review, with the fresh chili as the first candidate and the reason', () => {
    const outcome = matcher.match('红辣椒', undefined, undefined, '干鲜');
    expect(outcome.match).toBeUndefined();
    expect(outcome.suggestion).toMatchObject({ productCode: 'chili-pepper', evidence: expect.stringContaining('"干鲜"') });
    expect(matcher.match('红辣椒', undefined, undefined, '蔬菜').match).toMatchObject({ productCode: 'chili-pepper' });
  });

  it.each([
    ['番杏', '水果'], // a leaf vegetable can never be a fruit row
    ['杏', '蔬菜'],
    ['黄花鱼', '蔬菜'],
    ['苹果', '水产'],
  ])('never matches %s in a %s section', (name, category) => {
    expect(matcher.match(name, undefined, undefined, category).match).toBeUndefined();
  });

  it('keeps matches whose sector the category holds, and vetoes nothing for a category it does not know', () => {
    expect(productOf('番杏')).toBe('new-zealand-spinach');
    expect(matcher.match('番杏', undefined, undefined, '蔬菜').match).toMatchObject({ productCode: 'new-zealand-spinach' });
    expect(matcher.match('西瓜', undefined, undefined, '水果').match).toMatchObject({ productCode: 'watermelon' });
    expect(matcher.match('香菇', undefined, undefined, '蔬菜').match).toMatchObject({ productCode: 'shiitake' });
    expect(matcher.match('苹果', undefined, undefined, '其他').match).toMatchObject({ productCode: 'apple' });
  });
});

describe('processed-state words (熟 cooked, 咸 salted, 卤 braised, 腌 pickled, 熏 smoked …) never match a fresh product', () => {
  it.each([
    ['熟鸡蛋', 'chicken-egg'],
    ['卤鸭蛋', 'duck-egg'],
    ['咸鸭蛋(散)', 'duck-egg'],
    ['鸭蛋（熟）', 'duck-egg'],
    ['腌萝卜', 'radish'],
    ['腌黄瓜', 'cucumber'],
    ['熏鸡', 'chicken'],
    ['熟花生', 'peanut'],
    ['熟玉米', 'maize'],
    ['腊鸭', 'duck'],
    ['风干牛肉', 'beef'],
  ])('%s is no %s', (name, fresh) => {
    expect(matcher.match(name).match?.productCode).not.toBe(fresh);
  });

  it('sends such a name to review with the fresh product as a candidate and the reason', () => {
    const outcome = matcher.match('熟鸡蛋');
    expect(outcome.match).toBeUndefined();
    expect(outcome.suggestion).toMatchObject({ productCode: 'chicken-egg', evidence: expect.stringContaining('"熟"') });
    expect(outcome.suggestion!.evidence).toMatch(/which 鸡蛋 is not$/);
    expect(outcome.suggestion!.score).toBeLessThan(0.8);
  });

  it('still matches processed products the catalogue names with the word, and 熟 before a fruit (ripe)', () => {
    expect(productOf('熟鸭蛋')).toBe('salted-duck-egg');
    expect(productOf('咸鸭蛋')).toBe('salted-duck-egg');
    expect(productOf('熟牛肉')).toBe('cooked-beef');
    expect(productOf('熏香干')).toBe('dried-tofu');
    expect(productOf('熟台农芒果')).toBe('mango');
    expect(productOf('熟牛油果')).toBe('avocado');
    expect(productOf('早熟大白菜')).toBe('chinese-cabbage'); // early-ripening, not cooked
    expect(productOf('生鸭蛋')).toBe('duck-egg');
  });
});
